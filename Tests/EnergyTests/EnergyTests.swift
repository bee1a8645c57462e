import SimKernel
import Testing
@testable import Energy

@Suite("Energy")
struct EnergyTests {
    @Test("picojoules round to whole femtojoules")
    func rounding() {
        #expect(Energy(picojoules: 0.03).femtojoules == 30)
        #expect(Energy(picojoules: 23.6).femtojoules == 23_600)
        #expect(Energy(picojoules: 1.0004).femtojoules == 1000)
        #expect((Energy(picojoules: 1.35) * 512).picojoules == 691.2)
    }

    @Test("the ledger's totals are the exact sums of the records, in any order")
    func ledgerSums() {
        var rng = SplitMix64(seed: 3)
        var records: [EnergyRecord] = []
        for _ in 0..<10_000 {
            let kind = EnergyKind.allCases[Int(rng.next() % UInt64(EnergyKind.allCases.count))]
            records.append(EnergyRecord(time: SimTime(picoseconds: rng.next() % 1000), energy: Energy(femtojoules: Int64(rng.next() % 100_000)),
                                        count: UInt32(rng.next() % 600), kind: kind, chip: UInt16(rng.next() % 3), core: UInt32(rng.next() % 100),
                                        layer: Int16(Int(rng.next() % 6) - 1), token: 0, step: 0))
        }
        var forward = EnergyLedger(layers: 4, chips: 3), backward = EnergyLedger(layers: 4, chips: 3)
        records.forEach { forward.add($0) }
        records.reversed().forEach { backward.add($0) }
        #expect(forward == backward)
        let sum = records.reduce(Int64(0)) { $0 + $1.energy.femtojoules }
        #expect(forward.total.femtojoules == sum)
        #expect(forward.byLayer.reduce(.zero, +) == forward.total)
        #expect(forward.byChip.reduce(.zero, +) == forward.total)
        #expect(forward.records == 10_000)
        for k in EnergyKind.allCases {
            #expect(forward.count(k) == records.filter { $0.kind == k }.reduce(UInt64(0)) { $0 + UInt64($1.count) })
        }
        var halves = EnergyLedger(layers: 4, chips: 3), second = EnergyLedger(layers: 4, chips: 3)
        records.prefix(5000).forEach { halves.add($0) }
        records.dropFirst(5000).forEach { second.add($0) }
        halves.merge(second)
        #expect(halves == forward)
    }

    @Test("kind names round-trip")
    func kindNames() {
        for k in EnergyKind.allCases { #expect(EnergyKind(name: k.name) == k) }
        #expect(EnergyKind(name: "nonsense") == nil)
    }

    @Test("energies format with an SI prefix")
    func formatting() {
        #expect(Energy.format(picojoules: 1.5) == "1.500 pJ")
        #expect(Energy.format(picojoules: 52_470_000_000) == "52.47 mJ")
    }
}
