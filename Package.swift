// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "CARKinetics",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "CARKinetics", targets: ["CARKinetics"]),
        .executable(name: "pkfit", targets: ["pkfit"]),
        .executable(name: "CARKineticsBenchmarks", targets: ["CARKineticsBenchmarks"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
    ],
    targets: [
        // MARK: - Public API
        .target(
            name: "CARKinetics",
            dependencies: ["CLAPACK"],
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

        // Speed is measured here, not in tests: `swift run -c release CARKineticsBenchmarks [section ...]`.
        .executableTarget(
            name: "CARKineticsBenchmarks",
            dependencies: ["CARKinetics"],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),

        // MARK: - Implementation details (not API)
        // Fortran LAPACK/BLAS declarations; only Sources/CARKinetics/Fitting/LAPACK talks to it.
        .systemLibrary(
            name: "CLAPACK",
            pkgConfig: "lapack",
            providers: [.apt(["liblapack-dev", "libblas-dev"])]
        ),

        // MARK: - Tests
        .testTarget(
            name: "CARKineticsTests",
            dependencies: ["CARKinetics"],
            resources: [.copy("Fixtures")],
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
