import CARKineticsData
import CARKineticsModels
import CARKineticsNCA
import CARKineticsNumerics
import CARKineticsStatistics

/// Names of parameters for people: plots and readable tables show `Cmax`, `AUC0–28d`, `t½` with units, while
/// machine formats (csv, json, pp) keep the column names (`cmax`, `auc_0_28`, `half_life`).
public enum ParameterNames {
    /// Display names of the table columns that are not NCA parameters: the subject and the model-fit
    /// columns (``FitTable``). NCA parameters take theirs from ``NCARegistry``.
    private static let names: [String: String] = [
        "subject": "Subject",
        "model": "Model", "status": "Status", "n": "n", "cmax": "Cmax", "tmax": "Tmax", "rho": "ρ", "alpha": "α",
        "beta": "β", "fb": "fb", "doubling_time": "Doubling time", "contraction_half_life": "t½,α",
        "persistence_half_life": "t½,β", "residual_sd": "Residual SD (ln)", "ssr": "SSR (ln)", "aic": "AIC",
        "bic": "BIC", "iterations": "Iterations", "evaluations": "Evaluations", "n_blq_not_used": "n BLQ not used",
        "n_missing_not_used": "n missing not used", "n_preinfusion_not_used": "n pre-infusion not used",
        "note": "Note", "time_unit": "Time unit",
        "blq_method": "BLQ method", "minus2ll": "−2 ln L", "sigma": "σ (ln)", "n_blq_used": "n BLQ used",
        // Dose–exposure and exposure–response columns, as the report's tables head them.
        "parameter": "Parameter", "n_excluded": "n excluded", "intercept": "Intercept a", "slope": "Slope b",
        "slope_se": "SE of b", "confidence_level": "Confidence level", "slope_lower": "b lower",
        "slope_upper": "b upper", "n_responders": "n responders", "n_nonresponders": "n non-responders",
        "geometric_mean_responders": "Geo mean, responders",
        "geometric_mean_nonresponders": "Geo mean, non-responders", "gmr": "GMR", "gmr_lower90": "GMR lower 90%",
        "gmr_upper90": "GMR upper 90%", "mann_whitney_p": "Mann–Whitney p",
        "odds_ratio_per_doubling": "Odds ratio per doubling", "logit_lr_p": "Logistic LR p",
        "logit_method": "Logistic method",
    ]

    /// What a column is measured in, by name; nil for names this package does not define.
    public static func unitKind(_ name: String) -> UnitKind? {
        if let (base, _) = derived(name) { return unitKind(base) }
        if let column = NCARegistry.column(named: name) { return column.unit }
        switch name {
        case "rho", "alpha", "beta": return .rate
        case "doubling_time", "contraction_half_life", "persistence_half_life": return .time
        case _ where modelAreaWindow(name) != nil: return .auc
        case "fb", "residual_sd", "ssr", "aic", "bic", "minus2ll", "sigma": return .dimensionless
        default: return nil
        }
    }

    /// The display name: `cmax` → `Cmax`, `auc_0_28` → `AUC0–28d`, `auc_0_28_extrap` → `AUC0–28d,extrap`,
    /// `half_life` → `t½` (interval windows with the short form of `timeUnit`: `auc_0_672` → `AUC0–672h`);
    /// names this package does not define are returned unchanged.
    public static func displayName(_ name: String, timeUnit: TimeUnit = .days) -> String {
        if let column = NCARegistry.column(named: name, timeUnit: timeUnit) { return column.displayName }
        if let known = names[name] { return known }
        if let window = modelAreaWindow(name) {
            return "AUC0–\(AUCInterval.format(window))\(timeUnit.abbreviation),model"
        }
        if let (base, pattern) = derived(name) {
            return pattern.replacingOccurrences(of: "#", with: displayName(base, timeUnit: timeUnit))
        }
        return name
    }

    /// The unit text of a column for people (`day·copies/ug` for AUCs, `1/day` for rates, in `timeUnit`), nil
    /// when it has none or depends on an unknown level unit.
    public static func unit(_ name: String, levelUnit: String?, timeUnit: TimeUnit = .days) -> String? {
        unitKind(name).flatMap { unitText($0, levelUnit: levelUnit, timeUnit: timeUnit, product: "·") }
    }

    /// The one spelling of a unit kind's unit, for people (`product` `·`: `h·ug/mL`) and for PP (`*`:
    /// `h*ug/mL`): levels in `levelUnit`, times in ``TimeUnit/symbol``, areas their product, rates `1/<time>`;
    /// nil when there is none or it depends on an unknown level unit.
    static func unitText(_ kind: UnitKind, levelUnit: String?, timeUnit: TimeUnit, product: String) -> String? {
        switch kind {
        case .concentration: levelUnit
        case .time: timeUnit.symbol
        case .auc: levelUnit.map { "\(timeUnit.symbol)\(product)\($0)" }
        case .rate: "1/\(timeUnit.symbol)"
        case .percent: "%"
        case .dimensionless, .count, .text: nil
        }
    }

    /// The label of a time axis (report figures): `Time since infusion (days)`, `(hours)`; with `assumed`,
    /// `(days, assumed)` — no input stated the unit.
    public static func timeAxisLabel(_ unit: TimeUnit, assumed: Bool = false) -> String {
        "Time since infusion (\(unit.plural)\(assumed ? ", assumed" : ""))"
    }

    /// Display name with its unit in parentheses when it has one: `Cmax (copies/ug)`, `Tmax (day)`, `t½ (h)`.
    public static func label(_ name: String, levelUnit: String?, timeUnit: TimeUnit = .days) -> String {
        let display = displayName(name, timeUnit: timeUnit)
        guard let unit = unit(name, levelUnit: levelUnit, timeUnit: timeUnit) else { return display }
        return "\(display) (\(unit))"
    }

    /// `table` with its column names replaced by ``label(_:levelUnit:timeUnit:)``, except the names in `keep`
    /// (input columns such as `--group` columns keep their names). For readable formats only.
    public static func relabel(
        _ table: ResultTable, levelUnit: String?, timeUnit: TimeUnit = .days, keep: [String] = []
    ) -> ResultTable {
        var table = table
        table.columns = table.columns.map {
            keep.contains($0) ? $0 : label($0, levelUnit: levelUnit, timeUnit: timeUnit)
        }
        return table
    }

    /// The window end of a model area column (`auc_0_28_model` → 28, `auc_0_672_model` → 672).
    static func modelAreaWindow(_ name: String) -> Double? {
        guard name.hasPrefix("auc_0_"), name.hasSuffix("_model") else { return nil }
        let end = name.dropFirst(6).dropLast(6)
        guard let value = Double(end), value > 0, AUCInterval.format(value) == end else { return nil }
        return value
    }

    /// A fit column derived from a parameter (`se_rho`, `rho_lower95`) as (parameter, display pattern with
    /// `#` for the parameter's display name).
    private static func derived(_ name: String) -> (base: String, pattern: String)? {
        if name.hasPrefix("se_"), name.count > 3 { return (String(name.dropFirst(3)), "SE #") }
        // A population fit's per-subject Cmax/Tmax/AUCs of the individual curve, prefixed so they never share a
        // name with a model parameter (Stein's own `cmax`, `tmax`).
        if name.hasPrefix("model_"), name.count > 6 { return (String(name.dropFirst(6)), "# (model)") }
        if name.hasSuffix("_lower95"), name.count > 8 { return (String(name.dropLast(8)), "# lower 95%") }
        if name.hasSuffix("_upper95"), name.count > 8 { return (String(name.dropLast(8)), "# upper 95%") }
        return nil
    }
}
