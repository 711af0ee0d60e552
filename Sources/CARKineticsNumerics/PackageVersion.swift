/// The version of CARKinetics and `pkfit`: the one string printed by `pkfit --version` and written into every
/// output's provenance (JSON, report methods, PP metadata). Raised by hand with each release; it lives in the
/// lowest layer so that every writer above can state it without depending on the command line.
public enum PackageVersion {
    /// Semantic version of this source tree.
    public static let current = "0.4.0"
}
