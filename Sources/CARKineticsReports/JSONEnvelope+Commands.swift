import CARKineticsData
import CARKineticsNCA

extension JSONEnvelope {
    /// `docs/schema/popfit.schema.json`: `pkfit popfit --format json` (one row per estimate or statistic).
    public static let popfitSchema = "https://carkinetics.example/schema/popfit/1"
    /// `docs/schema/popfit-individual.schema.json`: `pkfit popfit --individual FILE.json` (one row per subject).
    public static let popfitIndividualSchema = "https://carkinetics.example/schema/popfit-individual/1"
    /// `docs/schema/response.schema.json`: `pkfit response --format json`.
    public static let responseSchema = "https://carkinetics.example/schema/response/1"
    /// `docs/schema/persistence.schema.json`: `pkfit persistence --format json`.
    public static let persistenceSchema = "https://carkinetics.example/schema/persistence/1"
    /// `docs/schema/validate.schema.json`: `pkfit validate nist DIR --json FILE`.
    public static let validateSchema = "https://carkinetics.example/schema/validate/1"

    /// The popfit estimates' envelope, keyed by the `parameter` column's values: a typical value `tv_<p>` has
    /// the unit of model parameter `p` (its estimate, standard error and interval; `rse_percent` is a percent);
    /// the variances of the random effects (`omega_…`, `corr_…`), the residual `sigma` on the log scale, the
    /// likelihoods, counts, shrinkages and text rows have none.
    public static func popfit(parameters: [String], levelUnit: String?, timeUnit: TimeUnit) -> JSONEnvelope {
        var envelope = JSONEnvelope(
            schema: popfitSchema, names: [], keys: .parameters, levelUnit: levelUnit, timeUnit: timeUnit)
        var seen: Set<String> = []
        envelope.units = parameters.compactMap { name in
            guard name.hasPrefix("tv_"), seen.insert(name).inserted,
                let kind = ParameterNames.unitKind(String(name.dropFirst(3))),
                let text = PPTable.unitText(kind, levelUnit: levelUnit, timeUnit: timeUnit)
            else { return nil }
            return Unit(key: name, unit: text)
        }
        return envelope
    }
}
