/// One GGUF metadata value, of any of the 13 value types the format defines.
public enum GGUFValue: Sendable, Hashable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case float32(Float), bool(Bool), string(String), array(GGUFArray)
    case uint64(UInt64), int64(Int64), float64(Double)

    /// The value of any integer type as an Int, nil for non-integers and out-of-range u64.
    public var int: Int? {
        switch self {
        case let .uint8(v): Int(v)
        case let .int8(v): Int(v)
        case let .uint16(v): Int(v)
        case let .int16(v): Int(v)
        case let .uint32(v): Int(v)
        case let .int32(v): Int(v)
        case let .uint64(v): Int(exactly: v)
        case let .int64(v): Int(v)
        default: nil
        }
    }

    /// The value of a float type (or integer) as a Double.
    public var double: Double? {
        switch self {
        case let .float32(v): Double(v)
        case let .float64(v): v
        default: int.map(Double.init)
        }
    }

    /// The string, if this is a string value.
    public var string: String? { if case let .string(s) = self { s } else { nil } }
    /// The flag, if this is a bool value.
    public var bool: Bool? { if case let .bool(b) = self { b } else { nil } }
    /// The array, if this is an array value.
    public var array: GGUFArray? { if case let .array(a) = self { a } else { nil } }

    /// GGUF's name of the value type.
    public var typeName: String {
        switch self {
        case .uint8: "UINT8"
        case .int8: "INT8"
        case .uint16: "UINT16"
        case .int16: "INT16"
        case .uint32: "UINT32"
        case .int32: "INT32"
        case .float32: "FLOAT32"
        case .bool: "BOOL"
        case .string: "STRING"
        case .array: "ARRAY"
        case .uint64: "UINT64"
        case .int64: "INT64"
        case .float64: "FLOAT64"
        }
    }

    /// A short human-readable rendering; long arrays and strings are abbreviated.
    public var summary: String {
        switch self {
        case let .string(s): s.count > 60 ? "\"\(s.prefix(57))…\" (\(s.utf8.count) bytes)" : "\"\(s)\""
        case let .array(a): "[\(a.elementTypeName) × \(a.count)]"
        case let .bool(b): "\(b)"
        case let .float32(v): "\(v)"
        case let .float64(v): "\(v)"
        case let .uint64(v): "\(v)"
        default: int.map(String.init) ?? "\(self)"
        }
    }
}

/// A GGUF metadata array; homogeneous, so it is stored as one typed Swift array (no
/// per-element enum), which keeps 150k-entry vocabularies compact.
public enum GGUFArray: Sendable, Hashable {
    case uint8([UInt8]), int8([Int8]), uint16([UInt16]), int16([Int16]), uint32([UInt32]), int32([Int32])
    case float32([Float]), bool([Bool]), string([String]), array([GGUFArray])
    case uint64([UInt64]), int64([Int64]), float64([Double])

    /// Number of elements.
    public var count: Int {
        switch self {
        case let .uint8(a): a.count
        case let .int8(a): a.count
        case let .uint16(a): a.count
        case let .int16(a): a.count
        case let .uint32(a): a.count
        case let .int32(a): a.count
        case let .float32(a): a.count
        case let .bool(a): a.count
        case let .string(a): a.count
        case let .array(a): a.count
        case let .uint64(a): a.count
        case let .int64(a): a.count
        case let .float64(a): a.count
        }
    }

    /// GGUF's name of the element type.
    public var elementTypeName: String {
        switch self {
        case .uint8: "UINT8"
        case .int8: "INT8"
        case .uint16: "UINT16"
        case .int16: "INT16"
        case .uint32: "UINT32"
        case .int32: "INT32"
        case .float32: "FLOAT32"
        case .bool: "BOOL"
        case .string: "STRING"
        case .array: "ARRAY"
        case .uint64: "UINT64"
        case .int64: "INT64"
        case .float64: "FLOAT64"
        }
    }

    /// Integer elements as Ints (nil for non-integer arrays).
    public var ints: [Int]? {
        switch self {
        case let .uint8(a): a.map(Int.init)
        case let .int8(a): a.map(Int.init)
        case let .uint16(a): a.map(Int.init)
        case let .int16(a): a.map(Int.init)
        case let .uint32(a): a.map(Int.init)
        case let .int32(a): a.map(Int.init)
        case let .int64(a): a.map(Int.init)
        case let .uint64(a): a.allSatisfy { $0 <= UInt64(Int.max) } ? a.map { Int($0) } : nil
        default: nil
        }
    }

    /// The elements, if this is a string array.
    public var strings: [String]? { if case let .string(a) = self { a } else { nil } }
}
