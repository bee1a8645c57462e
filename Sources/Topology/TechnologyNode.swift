/// What a CMOS technology node contributes to a chip's cost: how energy scales with node and
/// voltage, how big an SRAM bit and a unit of logic are, and how much they leak.
///
/// Every value comes from `topologies/technology.yaml`, which cites its sources.
public struct TechnologyNode: Sendable, Hashable {
    /// Feature size in nm (45, 28, 14, 7 …).
    public var nanometres: Int
    /// The supply voltage the node's own figures assume, in V.
    public var nominalVoltage: Double
    /// Stillmaker & Baas (2017) energy fit of the node: E(V) = e·V² + f·V + g, in the paper's
    /// relative units; only ratios between nodes are used.
    public var energyPolynomial: [Double]
    /// Area of one 6T SRAM bitcell, in µm².
    public var sramBitcellSquareMicrons: Double
    /// SRAM leakage per bit (cells with their periphery), in pW.
    public var sramLeakagePicowattsPerBit: Figure
    /// Logic leakage per mm² of logic, in mW.
    public var logicLeakageMilliwattsPerSquareMillimetre: Figure
    /// Area of a logic block at this node relative to 45 nm (the arithmetic areas are 45 nm figures).
    public var logicAreaScale: Double

    public init(nanometres: Int, nominalVoltage: Double, energyPolynomial: [Double], sramBitcellSquareMicrons: Double,
                sramLeakagePicowattsPerBit: Figure, logicLeakageMilliwattsPerSquareMillimetre: Figure, logicAreaScale: Double) {
        self.nanometres = nanometres; self.nominalVoltage = nominalVoltage; self.energyPolynomial = energyPolynomial
        self.sramBitcellSquareMicrons = sramBitcellSquareMicrons; self.sramLeakagePicowattsPerBit = sramLeakagePicowattsPerBit
        self.logicLeakageMilliwattsPerSquareMillimetre = logicLeakageMilliwattsPerSquareMillimetre; self.logicAreaScale = logicAreaScale
    }

    /// The node's relative switching energy at `voltage` (Stillmaker & Baas's fit).
    public func relativeEnergy(atVoltage voltage: Double) -> Double {
        energyPolynomial.reduce(0) { $0 * voltage + $1 }
    }
}

/// Where a chip description (or a baseline table) sits: node, supply and the source that says so.
public struct TechnologyPoint: Sendable, Hashable {
    public var node: TechnologyNode
    /// Supply voltage of the figures, in V.
    public var voltage: Double
    /// Citation of the node and voltage.
    public var source: String

    public init(node: TechnologyNode, voltage: Double, source: String) {
        self.node = node; self.voltage = voltage; self.source = source
    }

    /// The factor that takes an energy figure from this point to `target`:
    /// E_target(V_target) / E_self(V_self) under Stillmaker & Baas's fits.
    public func energyFactor(to target: TechnologyPoint) -> Double {
        target.node.relativeEnergy(atVoltage: target.voltage) / node.relativeEnergy(atVoltage: voltage)
    }

    /// `nm` nm at its nominal voltage.
    public static func nominal(_ node: TechnologyNode, source: String) -> TechnologyPoint {
        TechnologyPoint(node: node, voltage: node.nominalVoltage, source: source)
    }

    public var label: String { "\(node.nanometres) nm, \(YAMLCursor.format(voltage)) V" }
}
