import SimKernel
import Testing
@testable import Energy

private func record(_ kind: EnergyKind, fj: Int64, count: UInt32 = 1, core: UInt32, chip: UInt16 = 0, layer: Int16, token: UInt32, ps: UInt64) -> EnergyRecord {
    EnergyRecord(time: SimTime(picoseconds: ps), energy: Energy(femtojoules: fj), count: count, kind: kind, chip: chip, core: core,
                 layer: layer, token: token, step: 0)
}

@Suite("Energy tally")
struct EnergyTallyTests {
    /// Two tokens on two chips: rows, per-core totals and ledger written out by hand.
    private static let stream = [
        record(.synapticOp, fj: 100, count: 4, core: 1, layer: 0, token: 0, ps: 50),
        record(.routerHop, fj: 7, core: 1, layer: 0, token: 0, ps: 20),
        record(.synapticOp, fj: 30, count: 2, core: 5, chip: 1, layer: 0, token: 0, ps: 90),
        record(.routerHop, fj: 9, core: 5, chip: 1, layer: 1, token: 0, ps: 60),
        record(.staticIdle, fj: 1_000, count: 10, core: EnergyRecord.noCore, chip: 1, layer: -1, token: 0, ps: 0),
        record(.routerHop, fj: 7, core: 1, layer: 1, token: 1, ps: 200),
        record(.routerHop, fj: 8, core: 1, layer: 1, token: 1, ps: 150),
    ]

    @Test("a token's rows are complete at the next token's first record, sorted by layer and kind; per-core totals and the ledger add up")
    func handDerived() {
        var tally = EnergyTally(layers: 2, chips: 2, cores: 2)
        for r in Self.stream.prefix(5) { tally.add(r) }
        #expect(!tally.hasRows)
        tally.add(Self.stream[5])
        let first = tally.takeRows()
        // Token 0: static (layer −1) first, then layer 0 synaptic (2 records), layer 0 hop, layer 1 hop.
        #expect(first.map { [Int($0.token), Int($0.layer), Int($0.kind.rawValue)] } == [
            [0, -1, Int(EnergyKind.staticIdle.rawValue)], [0, 0, Int(EnergyKind.synapticOp.rawValue)],
            [0, 0, Int(EnergyKind.routerHop.rawValue)], [0, 1, Int(EnergyKind.routerHop.rawValue)]].sorted { ($0[1], $0[2]) < ($1[1], $1[2]) })
        let synaptic = first.first { $0.layer == 0 && $0.kind == .synapticOp }!.sums
        #expect(synaptic.count == 6 && synaptic.energy == 130 && synaptic.records == 2 && synaptic.firstTime == 50 && synaptic.lastTime == 90)
        tally.add(Self.stream[6])
        let (last, cores, ledger) = tally.finish()
        #expect(last.count == 1 && last[0].token == 1 && last[0].sums == {
            var a = Accumulator(); a.count = 2; a.energy = 15; a.records = 2; a.firstTime = 150; a.lastTime = 200; return a }())
        // Core 1 (chip 0): synaptic 4 ops 100 fJ, hops 3 for 22 fJ; core 5 grew the table (2 cores given), chip 1.
        #expect(cores == [
            .init(chip: 0, core: 1, kind: EnergyKind.synapticOp.rawValue, count: 4, energy: 100),
            .init(chip: 0, core: 1, kind: EnergyKind.routerHop.rawValue, count: 3, energy: 22),
            .init(chip: 1, core: 5, kind: EnergyKind.synapticOp.rawValue, count: 2, energy: 30),
            .init(chip: 1, core: 5, kind: EnergyKind.routerHop.rawValue, count: 1, energy: 9),
            .init(chip: 1, core: EnergyRecord.noCore, kind: EnergyKind.staticIdle.rawValue, count: 10, energy: 1_000),
        ].sorted { ($0.core, $0.kind) < ($1.core, $1.kind) })
        #expect(ledger.total.femtojoules == 1_161 && ledger.records == 7)
        #expect(ledger.byChip.map(\.femtojoules) == [122, 1_039])
        #expect(ledger.byLayer.map(\.femtojoules) == [130 + 7, 9 + 15, 1_000])   // layer −1 in the last slot
        #expect(ledger.count(.routerHop) == 4 && ledger.energy(.synapticOp).femtojoules == 130)
        var reference = EnergyLedger(layers: 2, chips: 2)
        Self.stream.forEach { reference.add($0) }
        #expect(ledger == reference)
    }

    @Test("records off the table (an earlier token, a layer beyond it) are kept apart and still add up")
    func spilled() {
        var tally = EnergyTally(layers: 2, chips: 1, cores: 4)
        tally.add(record(.routerHop, fj: 5, core: 0, layer: 0, token: 1, ps: 10))
        tally.add(record(.routerHop, fj: 6, core: 0, layer: 0, token: 0, ps: 11))      // late: token 0 after token 1
        tally.add(record(.routerHop, fj: 7, core: 0, layer: 2_000, token: 1, ps: 12))  // beyond the dense layers
        let (rows, _, ledger) = tally.finish()
        #expect(rows.map { [Int($0.token), Int($0.layer), Int($0.sums.energy)] } == [[0, 0, 6], [1, 0, 5], [1, 2_000, 7]])
        #expect(ledger.total.femtojoules == 18 && ledger.byLayer.map(\.femtojoules) == [11, 0, 7])
    }

    @Test("records left out of the per-core totals join every other sum; their per-core part arrives in bulk")
    func perCoreInBulk() {
        var tally = EnergyTally(layers: 1, chips: 1, cores: 3, chipOfCore: [0, 0, 0])
        tally.add(record(.routerHop, fj: 4, count: 2, core: 2, layer: 0, token: 0, ps: 10), perCore: false)
        tally.add(record(.routerHop, fj: 6, count: 3, core: 2, layer: 0, token: 0, ps: 30), perCore: false)
        tally.add(record(.synapticOp, fj: 50, count: 5, core: 1, layer: 0, token: 0, ps: 20))
        // The caller's own sum of those two hops, and a core beyond the three given (the table grows).
        tally.addCoreTotal(core: 2, kind: .routerHop, count: 5, energy: Energy(femtojoules: 10))
        tally.addCoreTotal(core: 7, kind: .control, count: 1, energy: Energy(femtojoules: 3))
        let (rows, cores, ledger) = tally.finish()
        #expect(rows.map { [Int($0.layer), Int($0.kind.rawValue), Int($0.sums.count), Int($0.sums.energy), Int($0.sums.records)] }
                == [[0, Int(EnergyKind.synapticOp.rawValue), 5, 50, 1], [0, Int(EnergyKind.routerHop.rawValue), 5, 10, 2]]
                    .sorted { $0[1] < $1[1] })
        #expect(cores == [
            .init(chip: 0, core: 1, kind: EnergyKind.synapticOp.rawValue, count: 5, energy: 50),
            .init(chip: 0, core: 2, kind: EnergyKind.routerHop.rawValue, count: 5, energy: 10),
            .init(chip: 0, core: 7, kind: EnergyKind.control.rawValue, count: 1, energy: 3),
        ])
        // The ledger counts records, not bulk totals: the control total is a per-core figure only.
        #expect(ledger.total.femtojoules == 60 && ledger.records == 3 && ledger.byChip.map(\.femtojoules) == [60])
    }
}
