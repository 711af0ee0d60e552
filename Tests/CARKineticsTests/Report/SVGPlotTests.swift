import CARKinetics
import Foundation
import Testing

@testable import CARKineticsReports

@Suite("SVG plots")
struct SVGPlotTests {
    static let hostile = "<script>alert('x')</script>&B\u{1}"

    func profile(
        _ subject: String, _ points: [(Double, CARKinetics.MeasuredValue)], unit: String? = "cells/µL"
    ) -> Profile {
        Profile(
            subject: subject,
            observations: points.enumerated().map {
                Observation(time: $0.element.0, measurement: $0.element.1, line: $0.offset + 2)
            }, unit: unit)
    }

    var profiles: [Profile] {
        [
            profile(
                "S-01",
                [
                    (-1, .belowLimit(lloq: 1)), (7, .value(120)), (14, .value(800)), (28, .value(40)),
                    (90, .belowLimit(lloq: 1)), (180, .value(3)),
                ]),
            profile(Self.hostile, [(0, .missing), (7, .value(15)), (14, .value(0)), (28, .value(2.5))]),
        ]
    }

    @Test("spaghetti plot is well-formed XML, escapes subject IDs, and draws each level once")
    func spaghetti() throws {
        let image = ConcentrationPlots.spaghetti(profiles: profiles, title: "Cohort A & <B>", unit: "cells/µL")
        let xml = XMLCheck(image.markup)
        #expect(xml.error == nil, "\(xml.error ?? "")")
        #expect(xml.elements.first == "svg")
        #expect(xml.count("script") == 0)
        #expect(xml.text.contains(Self.hostile.replacingOccurrences(of: "\u{1}", with: "\u{FFFD}")))
        #expect(xml.text.contains("Cohort A & <B>"))
        // S-01: 4 quantified + 2 BLQ; the other: 2 quantified + one zero. Quantified levels are circles
        // (plus one legend circle per subject); BLQ and zero are open triangles (polygons), plus the
        // BLQ legend triangle.
        #expect(xml.count("circle") == 4 + 2 + 2)
        #expect(xml.count("polygon") == 2 + 1 + 1)
        // Lines break at BLQ and zero: S-01 has [7,14,28] → 1 polyline ([180] alone is no line); S-02 [7] and [28] none.
        #expect(xml.count("polyline") == 1)
        // one LLOQ shared → dashed reference line with its label
        #expect(xml.text.contains("LLOQ"))
        #expect(xml.text.contains("BLQ (at LLOQ)"))
        #expect(xml.text.contains("Concentration (cells/µL)"))
    }

    @Test("individual profile with a fitted curve")
    func individual() throws {
        let curve = stride(from: 0.0, through: 180, by: 10).map { (time: $0, value: 1000 * exp(-$0 / 30) + 1) }
        let image = ConcentrationPlots.individual(
            profile: profiles[0], fitted: curve + [(time: 200, value: 0)], title: "S-01")
        let xml = XMLCheck(image.markup)
        #expect(xml.error == nil)
        #expect(xml.count("polyline") == 1)
        let points = try #require(xml.attributes[xml.elements.firstIndex(of: "polyline")!]["points"])
        #expect(points.split(separator: " ").count == curve.count) // the 0 point is not drawn on a log axis
        #expect(xml.text.contains("fitted model") && xml.text.contains("observed"))
    }

    @Test("points by cohort with median bars")
    func cohortPoints() throws {
        let image = CohortPlots.pointsByCohort(
            [
                (
                    name: "DL1",
                    values: [
                        SubjectValue(subject: "a", value: 10), SubjectValue(subject: "b", value: 1000),
                        SubjectValue(subject: "c", value: 100), SubjectValue(subject: "d", value: nil),
                    ]
                ),
                (name: "DL<2>", values: [SubjectValue(subject: "e", value: 0), SubjectValue(subject: "f", value: 50)]),
            ], parameter: "cmax", unit: "copies/µg", title: "Cmax by cohort")
        let xml = XMLCheck(image.markup)
        #expect(xml.error == nil)
        #expect(xml.text.contains("DL1 (n=3)") && xml.text.contains("DL<2> (n=2)"))
        // 4 filled points + 1 open point + 1 legend circle
        #expect(xml.count("circle") == 6)
        // median bars: DL1 median 100 drawn as a line of width 3; DL<2> median (0 + 50)/2 = 25
        let bars = xml.attributes.filter { $0["stroke-width"] == "3" && $0["stroke"] == "#D55E00" }
        #expect(bars.count == 2)
        #expect(xml.text.contains("cmax (copies/µg)"))
    }
}

@Suite("Dose–exposure plot")
struct DoseExposurePlotTests {
    @Test("log–log scatter with the fitted line; unusable pairs not drawn")
    func plot() throws {
        let points: [(subject: String, dose: Double?, exposure: Double?)] = [
            ("a", 1e6, 3 * pow(1e6, 0.7)), ("b", 1e7, 3 * pow(1e7, 0.7)), ("c", 1e8, 3 * pow(1e8, 0.7)),
            ("d", nil, 5), ("e", 1e7, 0),
        ]
        let fit = try DoseExposure.powerModel(doses: points.map(\.dose), exposures: points.map(\.exposure))
        let image = CohortPlots.doseExposure(
            points, fit: fit, parameter: "cmax", unit: "cells/µL", title: "Cmax vs dose")
        let xml = XMLCheck(image.markup)
        #expect(xml.error == nil)
        #expect(xml.count("circle") == 3 + 1) // three usable pairs + legend
        #expect(xml.count("polyline") == 1)
        #expect(xml.text.contains("fit, b = 0.700"))
        // both axes logarithmic: the dose axis has decade labels 10⁶ … 10⁸
        #expect(xml.text.contains("10⁶") && xml.text.contains("10⁸"))
    }
}
