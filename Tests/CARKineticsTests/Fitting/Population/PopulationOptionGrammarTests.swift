import Testing

@testable import CARKinetics
@testable import CARKineticsData
@testable import CARKineticsModels

/// `pkfit popfit`'s option grammar (the functions the CLI and the FuzzPopFitOptions target share).
@Suite struct PopulationOptionGrammarTests {
    @Test func acceptedForms() throws {
        let effect = try PopulationOptionGrammar.covariate(" cmax ~\tdose ")
        #expect(effect == CovariateEffect(parameter: "cmax", column: "dose"))
        #expect(try PopulationOptionGrammar.random("cmax, tmax ,rho") == ["cmax", "tmax", "rho"])
        let start = try PopulationOptionGrammar.start("lKa = -1.5e-1")
        #expect(start.name == "lKa" && start.value == -0.15)
        // Only the first '=' splits: the value "1=2" is not a number.
        #expect(throws: PopulationOptionError.self) { try PopulationOptionGrammar.start("a=1=2") }
    }

    @Test(arguments: ["", "~", "cmax ~", "~ dose", "cmax ~ dose ~ wt", "cmax dose"])
    func badCovariates(text: String) {
        #expect(throws: PopulationOptionError.self) { try PopulationOptionGrammar.covariate(text) }
    }

    @Test(arguments: ["", ",", "cmax,", "cmax,,tmax", "cmax, cmax"])
    func badRandomLists(text: String) {
        #expect(throws: PopulationOptionError.self) { try PopulationOptionGrammar.random(text) }
    }

    @Test func blockLists() throws {
        #expect(try PopulationOptionGrammar.block(" lKa , lCl ") == ["lKa", "lCl"])
        #expect(try PopulationOptionGrammar.block("cmax,tmax,rho") == ["cmax", "tmax", "rho"])
        do {
            _ = try PopulationOptionGrammar.block("lKa")
            Issue.record("a block of one accepted")
        } catch {
            #expect(
                error.message
                    == "--block 'lKa': a block needs two or more random parameters separated by commas, e.g. lKa,lCl")
        }
    }

    @Test(arguments: ["", ",", "lKa", "lKa,", "lKa,,lCl", "lKa, lKa", " , lCl"])
    func badBlockLists(text: String) {
        #expect(throws: PopulationOptionError.self) { try PopulationOptionGrammar.block(text) }
    }

    @Test(arguments: ["", "=1", "k=", "k", "k=nan", "k=inf", "k=1e400", "k=1,5", "k=0x10"])
    func badStarts(text: String) {
        #expect(throws: PopulationOptionError.self) { try PopulationOptionGrammar.start(text) }
    }

    @Test func messagesQuoteCappedEscapedText() {
        let long = String(repeating: "x", count: 500) + "\u{7}"
        do {
            _ = try PopulationOptionGrammar.covariate(long)
            Issue.record("accepted")
        } catch {
            #expect(error.message.hasPrefix("--covariate '" + String(repeating: "x", count: 80) + "…'"))
            #expect(error.message.count < 200)
        }
        do {
            _ = try PopulationOptionGrammar.random("a,\u{1b}[31m,")
            Issue.record("accepted")
        } catch {
            #expect(!error.message.contains("\u{1b}"))
        }
    }
}
