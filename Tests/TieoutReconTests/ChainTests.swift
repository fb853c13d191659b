import Testing

/// The chain of derived records (docs/reconciliation.md, "The chain"): for every link and every compared field, a
/// fault corrupts exactly that in the clean posted scenario, as an outside writer would (triggers off), and the run
/// must report exactly the findings of the links the corrupted record is part of and the control totals it moves:
/// nothing about any record the fault left alone.
extension FaultCase {
    /// Every fault case of the catalogue's tests and of the chain's.
    static var everyCase: [FaultCase] {
        all + stagingChain + journalChain + invoiceChain + writebackAndControlTotals + postedTwice
    }
}

@Suite("every link of the chain, field by field")
struct ChainTests {
    @Test(arguments: FaultCase.stagingChain)
    func actualToStaging(_ fault: FaultCase) throws {
        try CleanScenario.withClone { db in try db.check(fault) }
    }

    @Test(arguments: FaultCase.journalChain)
    func stagingToJournalToPostedTransactionToVoucher(_ fault: FaultCase) throws {
        try CleanScenario.withClone { db in try db.check(fault) }
    }

    @Test(arguments: FaultCase.invoiceChain)
    func proposalToPostedInvoiceToCustomerAndLedger(_ fault: FaultCase) throws {
        try CleanScenario.withClone { db in try db.check(fault) }
    }

    @Test(arguments: FaultCase.writebackAndControlTotals)
    func writebackAndControlTotals(_ fault: FaultCase) throws {
        try CleanScenario.withClone { db in try db.check(fault) }
    }

    @Test(arguments: FaultCase.postedTwice)
    func aPostingDoneTwice(_ fault: FaultCase) throws {
        try CleanScenario.withClone { db in try db.check(fault) }
    }
}
