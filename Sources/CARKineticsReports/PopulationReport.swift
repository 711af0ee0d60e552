import CARKineticsData
import CARKineticsModels
import CARKineticsNumerics
import CARKineticsStatistics
import Foundation

/// The population-fit section of `pkfit report --popfit` (docs/report.md): the model in words, the estimates
/// table as `pkfit popfit` writes it, observed against PRED and IPRED, CWRES against time and PRED, individual
/// fits as small multiples, and the visual predictive check with the fraction below the LLOQ.
public enum PopulationReport {
    /// The section's heading.
    public static let heading = "Population model"

    /// Simulated data sets behind the report's VPC.
    public static let replicates = 200

    /// What the section states about the run beyond the fit itself.
    public struct Settings: Sendable {
        /// The formula as given (formula models), for the model statement.
        public var formulaText: String?
        /// The unit of the levels; nil = "unit not given".
        public var unit: String?
        /// The time axis wording.
        public var timeUnit = TimeUnitText.days
        /// The column of nominal times when the VPC bins by nominal time.
        public var nominalTimeColumn: String?

        /// Default settings: no formula text, no unit, days, binned actual times.
        public init() {}
    }

    /// The blocks of the section for `fit`, a fit of `model` to `data`, with its `diagnostics`.
    public static func blocks(
        fit: PopulationFit, model: PopulationModel, data: PopulationData, diagnostics: PopulationDiagnostics,
        settings: Settings = Settings()
    ) -> [Report.Block] {
        var blocks: [Report.Block] = [.heading(heading, level: 2)]
        blocks.append(.paragraph(modelStatement(model, data: data, fit: fit, settings: settings)))
        blocks.append(
            .table(
                PopulationTable.estimates(fit, censoring: model.censoring, data: data),
                caption:
                    "Population estimates as pkfit popfit writes them: typical values (tv_), covariate terms, SDs of the random effects (omega_, on the log, logit or additive scale), residual SDs; SE, RSE% and 95% limits computed on the estimation scale and mapped back; then −2 ln L, AIC, BIC, counts, shrinkage, the condition number and the status"
            ))
        let logarithmic = model.structure.isBuiltIn
        let predictions = diagnostics.predictions
        let unit = settings.unit
        let censored = predictions.reduce(0) { $0 + $1.filter(\.censored).count }
        let quantified = predictions.reduce(0) { $0 + $1.count } - censored

        blocks.append(.heading("Goodness of fit", level: 3))
        blocks.append(
            .figureGrid([
                (
                    PopulationPlots.observedAgainstPredicted(
                        predictions, individual: false, logarithmic: logarithmic, unit: unit),
                    "Observed against the population prediction PRED (η = 0, the subject's covariates); dashed: identity.\(logarithmic ? " Predictions below a tenth of the lowest observation or limit are drawn at the left edge." : "")\(censored > 0 ? " \(censored) BLQ samples are drawn as open triangles at their limit: they were fitted as censored (M3), not as observations." : "")"
                ),
                (
                    PopulationPlots.observedAgainstPredicted(
                        predictions, individual: true, logarithmic: logarithmic, unit: unit),
                    "Observed against the individual prediction IPRED (at each subject's conditional mode η̂); dashed: identity."
                ),
            ]))
        let withResidual = predictions.reduce(0) { $0 + $1.filter { $0.conditionalResidual != nil }.count }
        let missingResidual = quantified - withResidual
        let residualNote =
            "CWRES (Hooker et al. 2007; FOCE linearisation about η̂) of the \(withResidual) quantified samples; \(censored > 0 ? "the \(censored) BLQ samples have none (they are censored, not observed) and are left out; " : "")\(missingResidual > 0 ? "\(missingResidual) samples of subjects whose linearised covariance is not positive definite have none; " : "")dashed lines at 0 and ±1.96; about 95% should lie between them.\(censored > 0 ? " Where most samples are BLQ the quantified ones are the upper tail, so their CWRES lean positive there; the VPC's fraction below the LLOQ is the check at those times." : "")"
        blocks.append(
            .figureGrid([
                (
                    PopulationPlots.residuals(
                        predictions, againstTime: true, logarithmicPrediction: logarithmic, unit: unit,
                        timeUnit: settings.timeUnit), residualNote
                ),
                (
                    PopulationPlots.residuals(
                        predictions, againstTime: false, logarithmicPrediction: logarithmic, unit: unit,
                        timeUnit: settings.timeUnit), "CWRES against PRED (same residuals)."
                ),
            ]))

        blocks.append(.heading("Visual predictive check", level: 3))
        let bins = diagnostics.predictiveCheck
        let lloq = commonLimit(diagnostics.subjects)
        let binRule =
            diagnostics.nominalBins
            ? "bins are the nominal times (\(settings.nominalTimeColumn ?? "nominal time") column\(diagnostics.withoutNominalTime > 0 ? "; \(diagnostics.withoutNominalTime) samples without one are left out" : ""))"
            : "bins are the actual times grouped as for the median profiles (a bin starting at s takes every time up to s + 0.15·(1 + s); a bin of fewer samples than 3 and than a fifth of the median bin — samples taken off schedule — joins its nearer neighbour), each drawn at the median of its times"
        blocks.append(
            .paragraph(
                "The design — every subject's own sampling times, covariates and LLOQ — simulated \(diagnostics.replicates) times from the final estimates (η drawn from Ω, the residual from σ, a sample below its LLOQ censored; seed \(diagnostics.seed)). Per bin, the observed 5th, 50th and 95th percentiles of all samples (lines) are drawn over the 95% intervals of the same percentiles in the simulated data sets (shaded); \(binRule); bins with fewer than 3 samples are left out. Percentiles are by nearest rank (R type 1) with BLQ samples ranked below every level, so a percentile is an observed level or below the LLOQ: an observed percentile below the LLOQ is not drawn, and a simulated interval reaching below it is shaded down to the floor of the axis."
            ))
        if bins.isEmpty {
            blocks.append(.paragraph("No time bin has 3 or more samples; the VPC is not drawn."))
        } else {
            let vpc = PopulationPlots.predictiveCheck(
                bins, subjects: diagnostics.subjects, logarithmic: logarithmic, lloq: lloq, unit: unit,
                timeUnit: settings.timeUnit, replicates: diagnostics.replicates)
            let caption =
                "VPC: observed percentiles (5th and 95th dashed blue, median orange) over the simulated 95% intervals (shaded), quantified samples in grey\(lloq.map { ", LLOQ \(String(format: "%g", $0)) dashed" } ?? "")."
            if censored > 0 {
                blocks.append(
                    .figure(
                        PopulationPlots.stacked(
                            vpc, PopulationPlots.fractionBelow(bins, timeUnit: settings.timeUnit),
                            title: "Visual predictive check and fraction below the LLOQ"),
                        caption: caption
                            + " Below: the fraction of samples below the LLOQ per bin, observed (line) and the 95% interval of the simulated fraction (shaded)."
                    ))
            } else {
                blocks.append(.figure(vpc, caption: caption))
            }
        }
        blocks.append(.heading("Individual fits", level: 3))
        blocks += individualFits(diagnostics, settings: settings)

        return blocks
    }

    /// The model stated in words.
    static func modelStatement(
        _ model: PopulationModel, data: PopulationData, fit: PopulationFit, settings: Settings
    ) -> String {
        let structure: String =
            switch model.structure {
            case .stein:
                "Stein et al. 2019 model (expansion ρ to Tmax, then biphasic contraction α and persistence β with fraction fb)"
            case .expansionMonoexp: "expansion–mono-exponential model (expansion ρ to Tmax, then contraction α)"
            case .formula: "formula \(settings.formulaText ?? "model")"
            }
        let transforms = zip(model.structure.parameterNames, model.structure.transforms)
        let random =
            fit.randomNames.isEmpty
            ? "no random effects"
            : "random effects on \(fit.randomNames.joined(separator: ", ")) (\(transforms.filter { fit.randomNames.contains($0.0) }.map { "\($0.0) \(scaleName($0.1))" }.joined(separator: ", ")); \(fit.estimates.contains { $0.name.hasPrefix("corr_") } ? "Ω with the correlations listed" : "Ω diagonal"))"
        let covariates =
            data.terms.isEmpty
            ? "no covariates"
            : "covariates \(data.terms.map { term in term.reference.map { "\(term.name) (power model, normalised by the median \(SignificantFigures.format($0)))" } ?? "\(term.name) (level against the first)" }.joined(separator: ", "))"
        let error: String =
            switch model.error {
            case .logAdditive: "log-additive residual error (σ on the ln scale)"
            case .additive: "additive residual error"
            case .proportional: "proportional residual error"
            case .combined: "combined additive and proportional residual error"
            }
        let blq =
            fit.censoredCount == 0 && data.subjects.allSatisfy({ $0.blqDropped == 0 })
            ? "no sample below the limit of quantification"
            : model.censoring == .m3
                ? "BLQ samples as censored observations (Beal's M3, \(fit.censoredCount) of \(fit.observationCount) samples)"
                : "BLQ samples left out (\(data.subjects.reduce(0) { $0 + $1.blqDropped }) dropped)"
        return
            "Model: \(structure); \(random); \(covariates); \(error); \(blq). Estimation: maximum likelihood, FOCE-I/Laplace conditional modes and objective, then −2 ln L by \(fit.marginalMethod.description) (docs/population.md). \(fit.subjectCount) subjects, \(fit.observationCount) samples used. Status: \(fit.status)."
    }

    private static func scaleName(_ transform: ParameterTransform) -> String {
        switch transform {
        case .log: "log-normal"
        case .logit: "logit-normal"
        case .identity: "additive η"
        }
    }

    /// The limit every censored sample shares, if they share one.
    static func commonLimit(_ subjects: [PopulationSubject]) -> Double? {
        let limits = Set(subjects.flatMap { s in zip(s.values, s.censored).filter(\.1).map(\.0) })
        return limits.count == 1 ? limits.first : nil
    }

    /// Small multiples of every subject: samples, IPRED (orange) and PRED (dashed grey), shared y range.
    static func individualFits(_ diagnostics: PopulationDiagnostics, settings: Settings) -> [Report.Block] {
        let profiles = diagnostics.subjects.map { subject in
            Profile(
                subject: subject.id, groups: [],
                observations: subject.times.indices.map { j in
                    Observation(
                        time: subject.times[j],
                        measurement: subject.censored[j]
                            ? .belowLimit(lloq: subject.values[j]) : .value(subject.values[j]), line: 0)
                }, unit: settings.unit)
        }
        let range = CohortReport.sharedRange(profiles)
        let floor = range?.lower ?? 0
        // Curves are drawn down to the axis floor; below it they would leave the panel.
        func cut(_ times: [Double], _ values: [Double]) -> [(time: Double, value: Double)] {
            zip(times, values).filter { $0.1 >= floor && $0.1 > 0 && $0.1.isFinite }.map { ($0.0, $0.1) }
        }
        let panels = zip(profiles, diagnostics.curves).map { profile, curves in
            (
                profile: profile, fitted: Optional(cut(curves.times, curves.individual)),
                title: profile.subject
            )
        }
        let population = diagnostics.curves.map { cut($0.times, $0.population) }
        let pages = StudyPlots.smallMultiples(
            panels, yRange: range, timeUnit: settings.timeUnit, lastTime: CohortReport.lastSampleTime(profiles),
            secondCurves: population)
        let perPage = StudyPlots.panelsPerPage
        return pages.enumerated().map { k, page in
            let first = k * perPage + 1
            let last = min(panels.count, first + perPage - 1)
            return .figure(
                page,
                caption:
                    "Individual fits \(first)–\(last) of \(panels.count) (page \(k + 1) of \(pages.count)): samples (filled: quantified, open triangles: BLQ at the LLOQ), IPRED (orange, at the subject's η̂) and PRED (dashed grey, η = 0 with the subject's covariates); log scale shared across panels, time on ln(1 + t)."
            )
        }
    }
}

extension PopulationStructure {
    /// True for the built-in models (Stein, expansion–mono-exponential), whose figures use log axes.
    var isBuiltIn: Bool {
        if case .formula = self { return false }
        return true
    }
}
