// The product users import: `import CARKinetics` brings every public layer into scope. Each layer is its own
// target so the compiler enforces the direction of dependencies (docs/architecture.md); this file is the only
// code of the umbrella.
@_exported import CARKineticsData
@_exported import CARKineticsModels
@_exported import CARKineticsNCA
@_exported import CARKineticsNumerics
@_exported import CARKineticsReports
@_exported import CARKineticsStatistics
