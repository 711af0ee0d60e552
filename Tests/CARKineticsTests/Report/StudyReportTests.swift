import CARKinetics
import Foundation
import Testing

@testable import CARKineticsData
@testable import CARKineticsReports
@testable import CARKineticsStatistics

/// The report at study size (issue 18): group order, provenance, profile statistics, box plots, legends, print
/// styles, and an end-to-end run on a 40-subject, four-dose study (`Fixtures/data/study40.csv`, made by
/// `scripts/make-study.py 40 … 40`).
@Suite("Study-size report")
struct StudyReportTests {
    /// SHA-256 and size of `Fixtures/data/study40.csv`, by Python's hashlib (`hashlib.sha256(data).hexdigest()`).
    static let study40SHA256 = "ae69c2eeee748bf5cf0dad091de65ce9f5912c80154609160ff7909c9ef4764a"
    static let study40Size = 32966
    /// SHA-256 of `SampleData/aid_cd7_qpcr.csv` by hashlib.
    static let qpcrSHA256 = "bedfe1e13cb9d6fdaba6413b99979b37bb86029a2b6bb362898043be3b92fdb6"

    // MARK: group order

    @Test("default order is numeric-aware, not file order; an explicit order goes first")
    func groupOrder() {
        let order = GroupOrder()
        #expect(order.sorted([["1e8"], ["2.5e7"], ["1e6"], ["5e6"]]) == [["1e6"], ["5e6"], ["2.5e7"], ["1e8"]])
        #expect(order.sorted([["DL10"], ["DL2"], ["DL1"]]) == [["DL1"], ["DL2"], ["DL10"]])
        #expect(
            order.sorted([["2x10^8"], ["0.25x10^8"], ["1x10^8"]]) == [["0.25x10^8"], ["1x10^8"], ["2x10^8"]])
        // Two columns: the first decides, then the second.
        #expect(
            order.sorted([["B", "10"], ["A", "2"], ["B", "9"]]) == [["A", "2"], ["B", "9"], ["B", "10"]])
        let explicit = GroupOrder(explicit: ["DL3", "DL1"])
        #expect(
            explicit.sorted([["DL1"], ["DL2"], ["DL10"], ["DL3"]]) == [["DL3"], ["DL1"], ["DL2"], ["DL10"]])
        #expect(GroupOrder(explicit: ["DL9", "DL1"]).unknown(among: [["DL1"], ["DL2"]]) == ["DL9"])
        #expect(GroupOrder(explicit: ["A / 2"]).sorted([["B", "9"], ["A", "2"]]).first == ["A", "2"])
    }

    // MARK: provenance

    @Test("SHA-256: FIPS 180-4 example vectors, and files against Python's hashlib")
    func sha256() throws {
        #expect(
            Provenance.sha256(Array("abc".utf8))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Provenance.sha256([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            Provenance.sha256(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            Provenance.sha256([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        let study = try Provenance.input(fixtureURL("data/study40.csv"), name: "study40.csv")
        #expect(study == Provenance.Input(name: "study40.csv", size: Self.study40Size, sha256: Self.study40SHA256))
        // Read in 1 MB chunks: a file of several chunks hashes as its bytes do.
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let big = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000) + Array("abc".utf8)
        let url = directory.appendingPathComponent("big.bin")
        try Data(big + big).write(to: url)
        #expect(try Provenance.input(url).sha256 == Provenance.sha256(big + big))
        #expect(try Provenance.input(url).size == 2_000_006)
    }

    @Test("command lines are quoted so a shell reads back the same arguments")
    func shellQuoting() {
        #expect(
            Provenance.shellQuoted(["pkfit", "report", "a b.csv", "--title", "it's", "--lloq", "50", ""])
                == "pkfit report 'a b.csv' --title 'it'\\''s' --lloq 50 ''")
        #expect(Provenance.timestamp(Date(timeIntervalSince1970: 1_795_000_000)) == "2026-11-18T11:06:40Z")
    }

    // MARK: statistics behind the plots

    @Test("levels by nominal time: nearest-rank percentiles with BLQ ranked lowest; sparse times left out")
    func levelsByNominalTime() {
        // At day 7: 100, BLQ, 300, 200, 50 → ranked BLQ, 50, 100, 200, 300 (n = 5).
        // p05: rank ⌈0.25⌉ = 1 → BLQ; median: rank ⌈2.5⌉ = 3 → 100; p95: rank ⌈4.75⌉ = 5 → 300.
        let levels: [Double?] = [100, nil, 300, 200, 50]
        var subjects = levels.map { [(time: 7.0, level: $0)] }
        subjects[0].append((time: 14, level: 10))
        subjects[1].append((time: 14, level: 20)) // two subjects at day 14: left out
        subjects[2].append((time: -3, level: nil)) // pre-infusion: left out
        let points = LevelsByTime.summarise(subjects, nominal: true)
        #expect(points.count == 1)
        let point = points[0]
        #expect(point.time == 7 && point.count == 5 && point.belowQuantification == 1)
        #expect(point.p05 == nil && point.median == 100 && point.p95 == 300)
    }

    @Test("actual times are binned from the earliest: a bin starting at s reaches s + 0.15·(1 + s)")
    func binnedTimes() {
        // 6.6 starts a bin reaching 6.6 + 0.15·7.6 = 7.74 (7.0 and 7.4 join); 13.5 reaches 15.675 (14, 14.6 join).
        #expect(LevelsByTime.binStarts([7.4, 6.6, 14.6, 7.0, 13.5, 14, -3]) == [6.6, 13.5])
        let subjects: [[(time: Double, level: Double?)]] = [
            [(6.6, 10), (13.5, 1)], [(7.0, 20), (14.0, 2)], [(7.4, 30), (14.6, 3)],
        ]
        let points = LevelsByTime.summarise(subjects, nominal: false)
        #expect(points.map(\.time) == [7.0, 14.0])
        #expect(points.map(\.median) == [20, 2])
    }

    @Test("box plot quartiles by type 7 (numpy's default), whiskers at the extremes of the values > 0")
    func boxStatistics() throws {
        let values: [Double] = [120.5, 33.1, 980.0, 45.2, 310.7, 77.7, 15.0, 0]
        let chart = CohortPlots.pointsByCohortChart(
            [
                (
                    name: "A",
                    values: values.enumerated().map { SubjectValue(subject: "S\($0.offset)", value: $0.element) }
                )
            ],
            parameter: "Cmax", unit: "x", title: "t", boxes: true)
        let box = try #require(chart.boxes.first)
        // numpy.percentile([120.5, 33.1, 980.0, 45.2, 310.7, 77.7, 15.0], [25, 50, 75]) = 39.15, 77.7, 215.6
        #expect(abs(box.q1 - 39.15) < 1e-12 && box.median == 77.7 && abs(box.q3 - 215.6) < 1e-12)
        #expect(box.low == 15.0 && box.high == 980.0)
        let small = CohortPlots.pointsByCohortChart(
            [(name: "B", values: [3, 1, 4, 1, 5, 9, 2, 6].map { SubjectValue(subject: "s", value: $0) })],
            parameter: "Cmax", unit: nil, title: "t", boxes: true)
        // numpy.percentile([3, 1, 4, 1, 5, 9, 2, 6], [25, 50, 75]) = 1.75, 3.5, 5.25
        #expect(small.boxes.map { [$0.q1, $0.median, $0.q3] } == [[1.75, 3.5, 5.25]])
    }

    @Test("significant figures: placing the point agrees with formatting the rounded value again")
    func significantFigures() {
        // The former implementation: %.*e to round, then %.*f of the rounded value.
        func reference(_ value: Double, _ digits: Int) -> String {
            let scientific = String(format: "%.*e", digits - 1, value)
            guard let e = scientific.firstIndex(of: "e"), let exponent = Int(scientific[scientific.index(after: e)...]),
                let rounded = Double(scientific), (-4..<6).contains(exponent)
            else { return scientific }
            return String(format: "%.*f", max(0, digits - 1 - exponent), rounded)
        }
        var state: UInt64 = 12_345
        for k in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let mantissa = Double(state >> 11) / Double(1 << 53)
            let value = (k % 2 == 0 ? 1 : -1) * mantissa * pow(10, Double(Int(state % 16)) - 6)
            let digits = 1 + k % 6
            #expect(SignificantFigures.format(value, digits: digits) == reference(value, digits), "\(value) \(digits)")
        }
        for value in [9.9996, 99_999.6, 0.000099996, 999_999.0, 1e-4, 0.5, 7, 48_692.123] {
            #expect(SignificantFigures.format(value) == reference(value, 3))
        }
    }

    @Test("time axis on ln(1 + t): visit-day ticks, 3 % past the last time, finite for any time")
    func log1pAxis() {
        let year = AxisLayout.log1p(maximum: 365)
        #expect(year.isLog1p && year.lower == 0 && abs(year.upper - expm1(log1p(365) * 1.03)) < 1e-9)
        #expect(year.ticks.map(\.value) == [0, 1, 3, 7, 14, 28, 56, 90, 180, 365])
        #expect(abs(year.fraction(28) - log1p(28) / log1p(year.upper)) < 1e-12)
        for maximum in [1e300, Double.greatestFiniteMagnitude, 5e-324, 0, -1, .nan] {
            let axis = AxisLayout.log1p(maximum: maximum)
            #expect(axis.upper.isFinite && axis.upper > 0 && axis.ticks.count < 400, "\(maximum)")
            #expect(axis.ticks.allSatisfy { axis.fraction($0.value).isFinite }, "\(maximum)")
        }
    }

    // MARK: legends

    @Test("no legend lists more than a dozen entries")
    func legendCap() throws {
        let entries = (1...30).map { Chart.LegendEntry(label: "S\($0)", color: "#000", shape: .circle) }
        let capped = Chart.capped(entries)
        #expect(capped.count == 12 && capped.last?.label == "+19 more")
        #expect(Chart.capped(Array(entries.prefix(12))).count == 12)
        // A cohort of 30: no subject is named in the panel, which draws the median and band instead.
        let profiles = (1...30).map { k in
            Profile(
                subject: "SUBJ\(k)",
                observations: [
                    Observation(time: 0, measurement: .belowLimit(lloq: 50), line: 1),
                    Observation(time: 7, measurement: .value(Double(1000 + k)), line: 2),
                    Observation(time: 28, measurement: .value(Double(100 + k)), line: 3),
                ])
        }
        let levels = LevelsByTime.summarise(
            profiles.map { profile in
                profile.observations.map { observation -> (time: Double, level: Double?) in
                    if case .value(let v) = observation.measurement { return (observation.time, v) }
                    return (observation.time, nil)
                }
            }, nominal: true)
        let panel = StudyPlots.cohortPanel(
            profiles: profiles, levels: levels, title: "All", unit: nil, yRange: nil, timeUnit: .days)
        #expect(XMLCheck(panel.image.markup).error == nil)
        let texts = Self.svgTexts(panel.image.markup)
        #expect(!texts.contains { $0.hasPrefix("SUBJ") })
        #expect(texts.contains("median") && texts.contains("5th–95th percentile") && texts.contains("LLOQ 50"))
        #expect(texts.contains("Concentration (unit not given)"))
        // Ten are each named (with the BLQ and LLOQ entries, twelve in all); eleven are summarised.
        let ten = StudyPlots.cohortPanel(
            profiles: Array(profiles.prefix(10)), levels: levels, title: "All", unit: "x", yRange: nil,
            timeUnit: .days)
        #expect(Self.svgTexts(ten.image.markup).filter { $0.hasPrefix("SUBJ") }.count == 10)
        #expect(Self.svgTexts(ten.image.markup).count { $0.hasPrefix("+") } == 0)
        let eleven = StudyPlots.cohortPanel(
            profiles: Array(profiles.prefix(11)), levels: levels, title: "All", unit: "x", yRange: nil,
            timeUnit: .days)
        #expect(Self.svgTexts(eleven.image.markup).filter { $0.hasPrefix("SUBJ") }.isEmpty)
    }

    /// The text content of every `<text>` element of an SVG.
    static func svgTexts(_ markup: String) -> [String] {
        var texts: [String] = []
        var rest = markup[...]
        while let open = rest.range(of: "<text") {
            guard let close = rest[open.upperBound...].range(of: ">"),
                let end = rest[close.upperBound...].range(of: "</text>")
            else { break }
            texts.append(
                String(rest[close.upperBound..<end.lowerBound]).replacingOccurrences(of: "&amp;", with: "&")
                    .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">"))
            rest = rest[end.upperBound...]
        }
        return texts
    }

    // MARK: end to end

    /// Runs `pkfit report` on a copy of the 40-subject study with a fixed date; returns the HTML.
    func report(_ options: [String], expectStatus: Int32 = 0) throws -> (html: String, stderr: String) {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.copyItem(
            at: fixtureURL("data/study40.csv"), to: directory.appendingPathComponent("study40.csv"))
        let arguments = (["report", "study40.csv", "--output", "r.html"] + options).map { "'\($0)'" }.joined(
            separator: " ")
        let result = try runPKFitShell("SOURCE_DATE_EPOCH=1795000000 \"$PKFIT\" \(arguments)", in: directory)
        #expect(result.status == expectStatus, "\(result.stderr)")
        let html =
            (try? String(contentsOf: directory.appendingPathComponent("r.html"), encoding: .utf8)) ?? ""
        return (html, result.stderr)
    }

    @Test("40 subjects, four doses, --fit: sections, provenance, order, legends, print styles, well-formed SVG")
    func studyReport() throws {
        let (html, _) = try report([
            "--group", "COHORT", "--lloq", "LLOQ", "--dose", "DOSE", "--dose-unit", "CAR+ cells", "--fit",
            "--group-order", "DL4,DL2",
        ])
        let xml = XMLCheck(html)
        #expect(xml.error == nil, "\(xml.error ?? "")")
        for heading in [
            "Input", "Methods", "Rules applied", "Cohort summary", "Concentration–time profiles", "Exposure by group",
            "Dose–exposure", "Model fits", "Appendix: per-subject results",
        ] {
            #expect(html.contains(">\(heading)</h"), "section \(heading)")
        }
        // The appendix comes last, after the fits.
        #expect(
            html.range(of: ">Model fits</h2>")?.lowerBound ?? html.endIndex
                < html.range(of: ">Appendix: per-subject results</h2>")?.lowerBound ?? html.startIndex)
        // Provenance: the version string of `pkfit --version`, the date from SOURCE_DATE_EPOCH, the command
        // line, and the input's size and SHA-256 (hashlib).
        #expect(xml.text.contains("pkfit \(PackageVersion.current)"))
        #expect(xml.text.contains("2026-11-18T11:06:40Z"))
        #expect(xml.text.contains("pkfit report study40.csv --output r.html --group COHORT"))
        #expect(xml.text.contains("'CAR+ cells'"))
        #expect(html.contains(Self.study40SHA256) && html.contains(">\(Self.study40Size)<"))
        #expect(xml.text.contains("λz") && xml.text.contains("BLQ") && xml.text.contains("linear-up/log-down"))
        // Nominal times from NFRLT (present in the file).
        #expect(xml.text.contains("by nominal time (NFRLT)"))
        // Group order: DL4, DL2 as given, then DL1, DL3.
        let header = try #require(html.range(of: "COHORT DL4 (N=10)"))
        let positions = ["COHORT DL2 (N=10)", "COHORT DL1 (N=10)", "COHORT DL3 (N=10)"].compactMap {
            html.range(of: $0, range: header.upperBound..<html.endIndex)?.lowerBound
        }
        #expect(positions.count == 3 && positions == positions.sorted())
        // Readable headers, not field names.
        #expect(!html.contains(">slope_se<") && !html.contains(">confidence_level<") && html.contains(">SE of b<"))
        #expect(html.contains("Dose (CAR+ cells)"))
        // No legend with more than a dozen entries: no SVG names more than 12 subjects in its text.
        let subjects = Set((1001...1040).map { String(format: "ST-%05d", $0) })
        let svgs = html.components(separatedBy: "<svg xmlns").dropFirst()
        #expect(svgs.count >= 8)
        for svg in svgs {
            #expect(Self.svgTexts(svg).filter { subjects.contains($0) }.count <= 12)
            #expect(!Self.svgTexts(svg).contains { $0.hasPrefix("+") && $0.hasSuffix("more") })
        }
        // Print: A4 pages, wide tables wrap instead of losing columns, figures are not split.
        #expect(html.contains("@page { size: A4") && html.contains("@media print"))
        #expect(html.contains("figure { margin: 4px 0 8px; break-inside: avoid;"))
        #expect(html.contains(".table-wrap { overflow: visible;"))
        // Small multiples: 40 panels on 2 pages (28 per page).
        #expect(xml.text.contains("Individual profiles 1–28 of 40 (page 1 of 2)"))
        #expect(xml.text.contains("Individual profiles 29–40 of 40 (page 2 of 2)"))
    }

    @Test("default group order is numeric-aware: DL10 after DL2")
    func defaultOrder() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var csv = "subject,time,value,arm\n"
        for (k, arm) in ["DL10", "DL2", "DL1"].enumerated() {
            csv += "S\(k),0,<5,\(arm)\nS\(k),7,\(100 * (k + 1)),\(arm)\nS\(k),14,40,\(arm)\n"
        }
        try csv.write(to: directory.appendingPathComponent("o.csv"), atomically: true, encoding: .utf8)
        let result = try runPKFit(["report", "o.csv", "--group", "arm", "--output", "r.html"], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        let html = try String(contentsOf: directory.appendingPathComponent("r.html"), encoding: .utf8)
        let places = ["arm DL1 (N=1)", "arm DL2 (N=1)", "arm DL10 (N=1)"].compactMap { html.range(of: $0)?.lowerBound }
        #expect(places.count == 3 && places == places.sorted())
        let bad = try runPKFit(
            ["report", "o.csv", "--group", "arm", "--group-order", "DL2,DL7", "--output", "x.html"], in: directory)
        #expect(bad.status == 64 && bad.stderr.contains("'DL7' is not a group of the data"), "\(bad.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("x.html").path))
        let twice = try runPKFit(
            ["report", "o.csv", "--group", "arm", "--group-order", "DL2,DL2", "--output", "x.html"], in: directory)
        #expect(twice.status == 64)
    }

    @Test("an expansion-only fit draws its line; unfitted panels say so")
    func expansionLine() throws {
        let (html, _) = try report(["--group", "COHORT", "--lloq", "LLOQ", "--fit", "--model", "expansion"])
        #expect(XMLCheck(html).error == nil)
        let start = try #require(html.range(of: ">Model fits</h2>"))
        let fits = String(html[start.upperBound...])
        let panels = fits.components(separatedBy: "<svg x=").count - 1
        #expect(panels == 40)
        let lines = fits.components(separatedBy: "stroke=\"#D55E00\"").count - 1
        let unfitted = fits.components(separatedBy: ": no curve</text>").count - 1
        // One line per converged expansion fit (pkfit fit's own count), every other panel says it has none.
        let fit = try runPKFit([
            "fit", fixtureURL("data/study40.csv").path, "--lloq", "LLOQ", "--model", "expansion",
        ])
        let converged = fit.stdout.components(separatedBy: ",converged,").count - 1
        #expect(converged > 20)
        #expect(lines == converged && lines + unfitted == 40, "\(lines) lines, \(unfitted) without")
        #expect(!fits.contains("no fitted curve"))
    }
}
