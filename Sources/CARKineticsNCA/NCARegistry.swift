import CARKineticsNumerics
import CARKineticsData

/// What a parameter's number is measured in, relative to the input's units.
public enum UnitKind: String, Sendable {
    case concentration, time, auc = "concentration*time", rate = "1/time", percent, dimensionless, count, text
}

/// One output column of `pkfit nca`: its name, CDISC PP code (nil for sponsor-defined extras), unit kind,
/// meaning, and how it is read from a result.
public struct NCAColumn: Sendable {
    /// Output column name.
    public var name: String
    /// CDISC PP `PPTESTCD`, nil for sponsor-defined extras.
    public var cdiscCode: String?
    public var unit: UnitKind
    /// One line for humans.
    public var description: String
    /// The column's value for one result.
    public var cell: @Sendable (NCAResult) -> NCAColumnValue
}

/// What one registry column holds for one result: a plain value that writers spell (the registry never
/// knows about output formats).
public enum NCAColumnValue: Sendable, Equatable {
    /// A parameter's number (any double; NaN and infinities are kept).
    case number(Double)
    /// A count.
    case integer(Int)
    /// Text, such as a window-end flag, the unit or the notes.
    case text(String)
    /// Not computable or not applicable.
    case empty

    /// The value as a number (counts too), nil for text and empty values.
    public var number: Double? {
        switch self {
        case .number(let x): x
        case .integer(let k): Double(k)
        case .text, .empty: nil
        }
    }
}

/// The single table of NCA output columns; its order is the output order: the columns issue 2 fixes, then
/// diagnostics and QC extras.
public enum NCARegistry {
    /// Output columns for these options (interval columns follow `options.intervals`).
    public static func columns(for options: NCAOptions) -> [NCAColumn] {
        var columns: [NCAColumn] = [
            value("cmax", "CMAX", .concentration, "Maximum observed level after infusion") { $0.cmax },
            value("tmax", "TMAX", .time, "First time of Cmax") { $0.tmax },
            value("clast", "CLST", .concentration, "Last quantifiable level") { $0.clast },
            value("tlast", "TLST", .time, "Time of Clast") { $0.tlast },
            value("auclast", "AUCLST", .auc, "AUC from 0 to Tlast") { $0.auclast },
        ]
        for (k, interval) in options.intervals.enumerated() {
            let name = interval.columnName
            columns.append(value(name, "AUCINT", .auc, "AUC over [\(AUCInterval.format(interval.start)), min(\(AUCInterval.format(interval.end)), Tlast)]") { $0.intervals[k].auc })
            columns.append(value(name + "_extrap", "AUCINTIS", .auc, "\(name) plus the λz extrapolation from Tlast to the window end") { $0.intervals[k].aucExtrapolated })
        }
        columns += [
            fit("lambda_z", "LAMZ", .rate, "Terminal slope (best-fit adjusted R²)") { $0.lambdaZ },
            fit("half_life", "LAMZHL", .time, "ln 2 / λz") { $0.halfLife },
            fit("r2adj", "R2ADJ", .dimensionless, "Adjusted R² of the λz regression") { $0.adjustedR2 },
            integer("lambda_z_points", "LAMZNPT", .count, "Points in the λz regression") { r in
                if case .success(let fit) = r.lambdaZ { return fit.points }
                return nil
            },
            value("aucinf_obs", "AUCIFO", .auc, "AUClast + Clast/λz") { $0.aucinfObserved },
            fit("r2", "R2", .dimensionless, "R² of the λz regression") { $0.r2 },
            fit("lambda_z_time_first", "LAMZLL", .time, "First time in the λz regression") { $0.timeFirst },
            fit("lambda_z_time_last", "LAMZUL", .time, "Last time in the λz regression") { $0.timeLast },
            fit("span_ratio", "LAMZSPN", .dimensionless, "(λz last − first time) / half-life") {
                ($0.timeLast - $0.timeFirst) / $0.halfLife
            },
            value("clast_pred", "CLSTP", .concentration, "Clast predicted by the λz regression") { $0.clastPredicted },
            value("aucpext_obs", "AUCPEO", .percent, "Percent of AUCinf,obs extrapolated") { $0.aucPercentExtrapolated },
            value("aucall", "AUCALL", .auc, "AUClast plus the linear drop to the next (BLQ = 0) sample") { $0.aucall },
            value("tlag", "TLAG", .time, "Time of the last sample before the first quantifiable one") { $0.tlag },
            integer("n_quantifiable", "CNTCONC", .count, "Quantifiable samples after infusion") { $0.quantifiableCount },
            integer("n_blq", nil, .count, "Below-limit (or 0) samples after infusion") { $0.belowLimitCount },
            integer("n_missing", nil, .count, "Rows with an empty value") { $0.missingCount },
        ]
        for (k, interval) in options.intervals.enumerated() {
            let name = interval.columnName
            columns.append(NCAColumn(name: name + "_end", cdiscCode: nil, unit: .text,
                                     description: "Window end: observed, interpolated, or extrapolated (after Tlast)") { r in
                r.intervals[k].end.map { .text($0.rawValue) } ?? .empty
            })
            columns.append(integer(name + "_n", nil, .count, "Quantifiable samples inside the window") { $0.intervals[k].quantifiableSamples })
        }
        columns.append(NCAColumn(name: "unit", cdiscCode: nil, unit: .text, description: "Unit of the levels, from the unit column") { r in
            r.unit.map { .text($0) } ?? .empty
        })
        columns.append(NCAColumn(name: "notes", cdiscCode: nil, unit: .text, description: "Why values are empty") { r in
            let notes = r.notes
            return notes.isEmpty ? .empty : .text(notes.joined(separator: "; "))
        })
        return columns
    }

    private static func value(_ name: String, _ code: String?, _ unit: UnitKind, _ description: String,
                              _ read: @escaping @Sendable (NCAResult) -> NCAValue) -> NCAColumn {
        NCAColumn(name: name, cdiscCode: code, unit: unit, description: description) { r in
            read(r).number.map { .number($0) } ?? .empty
        }
    }

    /// A λz-derived column; reads the fit directly so no reason text is built per row.
    private static func fit(_ name: String, _ code: String?, _ unit: UnitKind, _ description: String,
                            _ read: @escaping @Sendable (LambdaZFit) -> Double) -> NCAColumn {
        NCAColumn(name: name, cdiscCode: code, unit: unit, description: description) { r in
            if case .success(let fit) = r.lambdaZ { return .number(read(fit)) }
            return .empty
        }
    }

    private static func integer(_ name: String, _ code: String?, _ unit: UnitKind, _ description: String,
                                _ read: @escaping @Sendable (NCAResult) -> Int?) -> NCAColumn {
        NCAColumn(name: name, cdiscCode: code, unit: unit, description: description) { r in
            read(r).map { .integer($0) } ?? .empty
        }
    }
}
