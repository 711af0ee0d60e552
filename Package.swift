// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "CARKinetics",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "CARKinetics", targets: ["CARKinetics"]),
        .executable(name: "pkfit", targets: ["pkfit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", exact: "2.0.1"),
        // `swift package generate-documentation` (scripts/test.sh builds every catalog).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", exact: "1.5.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", exact: "0.9.20"),
    ],
    targets: [
        // MARK: - Public API
        // Layers, each depending only on the ones below it (docs/architecture.md); the compiler rejects an
        // import upwards. `CARKinetics` re-exports them all and is the one library product.
        .target(
            name: "CARKineticsNumerics",
            dependencies: ["CLAPACK"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .target(
            name: "CARKineticsData",
            // ZIPFoundation reads the XLSX container (Formats/Workbook.swift).
            dependencies: ["CARKineticsNumerics", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .target(
            name: "CARKineticsNCA",
            dependencies: ["CARKineticsData"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .target(
            name: "CARKineticsModels",
            dependencies: ["CARKineticsNCA"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .target(
            name: "CARKineticsStatistics",
            dependencies: ["CARKineticsModels"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .target(
            name: "CARKineticsReports",
            dependencies: ["CARKineticsStatistics"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .target(
            name: "CARKinetics",
            dependencies: [
                "CARKineticsNumerics", "CARKineticsData", "CARKineticsNCA", "CARKineticsModels",
                "CARKineticsStatistics", "CARKineticsReports",
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "pkfit",
            dependencies: [
                "CARKinetics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),

        // Speed is measured here, not in tests: `swift run -c release CARKineticsBenchmarks [section ...]`
        // (scripts/bench.sh). A target, not a product: users of the package do not see it.
        .executableTarget(
            name: "CARKineticsBenchmarks",
            dependencies: ["CARKinetics"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),

        // libFuzzer entry points (docs/robustness.md). A plain `swift build` links them with an empty main;
        // scripts/fuzz.sh builds them with `--sanitize=fuzzer` and runs them.
        .executableTarget(
            name: "FuzzCSV",
            dependencies: ["CARKinetics"],
            path: "Tests/Fuzz/FuzzCSV",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "FuzzXPT",
            dependencies: ["CARKinetics"],
            path: "Tests/Fuzz/FuzzXPT",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "FuzzDatasetJSON",
            dependencies: ["CARKinetics"],
            path: "Tests/Fuzz/FuzzDatasetJSON",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "FuzzXLSX",
            dependencies: ["CARKinetics"],
            path: "Tests/Fuzz/FuzzXLSX",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "FuzzFormula",
            dependencies: ["CARKinetics"],
            path: "Tests/Fuzz/FuzzFormula",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "FuzzLambdaZPoints",
            dependencies: ["CARKinetics"],
            path: "Tests/Fuzz/FuzzLambdaZPoints",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "FuzzPopFitOptions",
            dependencies: ["CARKinetics"],
            path: "Tests/Fuzz/FuzzPopFitOptions",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "FuzzTimeOptions",
            dependencies: ["CARKinetics"],
            path: "Tests/Fuzz/FuzzTimeOptions",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "FuzzRowFilter",
            dependencies: ["CARKinetics"],
            path: "Tests/Fuzz/FuzzRowFilter",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),

        // MARK: - Implementation details (not API)
        // Fortran LAPACK/BLAS declarations; only Sources/CARKineticsNumerics/LAPACK talks to it.
        .systemLibrary(
            name: "CLAPACK",
            pkgConfig: "lapack",
            providers: [.apt(["liblapack-dev", "libblas-dev"])]
        ),

        // MARK: - Tests
        .testTarget(
            name: "CARKineticsTests",
            dependencies: [
                "CARKinetics",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
