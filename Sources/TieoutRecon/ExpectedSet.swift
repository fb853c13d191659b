import TieoutMaps
import TieoutPostgres

/// One table map's view of what its target should hold, as a temporary view the checks of `recon.execute_run`
/// read. The map is found by its source and target tables, not by name, so a renamed map file still serves.
///
/// | view | map (source → target) | rows |
/// |---|---|---|
/// | `recon_expected_actuals` | `dataverse.msdyn_actual` → `fno.projcdsactualsimport` | every actual, `_include` = the map sends it |
/// | `recon_expected_proposals` | `dataverse.invoice` → `fno.projproposaljour` | every proforma, `_include` = the map sends it |
/// | `recon_expected_actual_writeback` | `fno.projcdsactualsimport` → `dataverse.msdyn_actual` | staging rows the write-back sends |
/// | `recon_expected_invoice_writeback` | `fno.projinvoicejour` → `dataverse.invoice` | posted invoices the write-back sends |
///
/// Each view's columns are the map's target columns; the checks compare them with the real target by the names
/// each ``Specification`` lists. Source columns the checks need unmapped (timestamps, the invoice id) come along as
/// `_src_<column>`.
struct ExpectedSet {
    let viewName: String
    let map: CompiledMap
    let specification: Specification

    /// The four sets, or an error naming the map that is missing or lacks a column the checks compare.
    static func all(from maps: [CompiledMap]) throws -> [ExpectedSet] {
        try specifications.map { specification in
            guard
                let map = maps.first(where: {
                    $0.map.source.description == specification.source
                        && $0.map.target.description == specification.target
                })
            else {
                throw ReconError(
                    "reconciliation needs a table map from \(specification.source) to \(specification.target) in the maps folder"
                )
            }
            let missing = specification.columns.filter { !map.columns.contains($0) }
            guard missing.isEmpty else {
                throw ReconError(
                    "map '\(map.name)' does not map \(missing.joined(separator: ", ")), which reconciliation compares")
            }
            let unknown = specification.carrying.filter { map.sourceTable.column($0) == nil }
            guard unknown.isEmpty else {
                throw ReconError("\(specification.source) has no column \(unknown.joined(separator: ", "))")
            }
            return ExpectedSet(viewName: specification.view, map: map, specification: specification)
        }
    }

    /// `CREATE TEMPORARY VIEW … AS <the map's source rows>`, read from the run's input for the source table
    /// (`pg_temp.recon_in_<table>`: all of it in a full run, the changed scopes' rows in an incremental one); bound
    /// constants of the map are written in as literals because a view cannot take parameters.
    func createView(on connection: PostgresConnection) throws -> String {
        let source = map.mappedSource(
            includingFiltered: specification.withFilter, carrying: specification.carrying,
            reading: ("pg_temp", "recon_in_" + map.map.source.name))
        let name = try connection.quoteIdentifier(viewName)
        return "CREATE OR REPLACE TEMPORARY VIEW \(name) AS \(try connection.inlineText(source))"
    }

    struct Specification {
        var view: String
        var source: String
        var target: String
        var withFilter: Bool
        var columns: [String]
        var carrying: [String]
    }

    /// The maps reconciliation reads, and the target columns its checks compare.
    static let specifications = [
        Specification(
            view: "recon_expected_actuals", source: "dataverse.msdyn_actual", target: "fno.projcdsactualsimport",
            withFilter: true,
            columns: [
                "actualid", "dataareaid", "transtype", "transactionclassification", "billingtype", "projectid",
                "contractid", "contractline", "customeraccountnumber", "documentdate", "accountingdate", "quantity",
                "unitprice", "amount", "transactioncurrencyid", "invoiceid",
            ],
            carrying: ["createdon", "modifiedon"]),
        Specification(
            view: "recon_expected_proposals", source: "dataverse.invoice", target: "fno.projproposaljour",
            withFilter: true,
            columns: ["dataareaid", "proposalid", "projinvoiceprojid", "invoiceaccount", "currencyid"],
            carrying: [
                "invoiceid", "msdyn_projectinvoicestatus", "isocurrencycode", "totallineitemamount", "totaltax",
                "createdon", "modifiedon",
            ]),
        Specification(
            view: "recon_expected_actual_writeback", source: "fno.projcdsactualsimport",
            target: "dataverse.msdyn_actual", withFilter: false,
            columns: [
                "msdyn_actualid", "msdyn_externalreferenceid", "msdyn_amount_base", "exchangerate",
                "msdyn_exchangeratedate", "msdyn_salestaxamount", "msdyn_isjournalized",
            ],
            carrying: ["modifieddatetime"]),
        Specification(
            view: "recon_expected_invoice_writeback", source: "fno.projinvoicejour", target: "dataverse.invoice",
            withFilter: false,
            columns: ["invoicenumber", "msdyn_customerinvoicenumber", "msdyn_projectinvoicestatus"],
            carrying: ["createddatetime"]),
    ]
}
