// Benchmarks for CARKinetics, run as a release build (scripts/bench.sh builds pkfit too and runs this):
//     swift run -c release CARKineticsBenchmarks            # every section
//     swift run -c release CARKineticsBenchmarks lm         # only the named sections
// Each section lives in its own file and is registered in `sections` below; every measurement is compared
// with a baseline measured in the same run, so the ratios are meaningful on a noisy shared machine.

import Foundation

let sections: [BenchmarkSection] = [
    levenbergMarquardtSection,
    ncaThroughputSection,
    steinFitSection,
    censoredFitSection,
    longSubjectSection,
    populationSection,
    populationReportSection,
    populationCoverageSection,
]

let requested = Set(CommandLine.arguments.dropFirst())
let unknown = requested.subtracting(sections.map(\.name))
if !unknown.isEmpty {
    print(
        "unknown section(s): \(unknown.sorted().joined(separator: ", ")); available: \(sections.map(\.name).joined(separator: ", "))"
    )
    exit(2)
}
for section in sections where requested.isEmpty || requested.contains(section.name) {
    print("== \(section.name): \(section.title)")
    section.run()
}
