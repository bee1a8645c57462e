import Foundation
import Store

/// Small SVG charts drawn by the project, so that a report needs no script or network.
enum SVGChart {
    /// One colour per energy kind, in `EnergyKind` order, then repeated.
    static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#9c755f", "#bab0ac", "#ff9da7"]

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func number(_ v: Double) -> String { String(format: "%.1f", v) }

    /// Labelled horizontal bars (energy by kind).
    static func horizontalBars(_ items: [(label: String, value: Double, color: String)], format: (Double) -> String) -> String {
        let width = 720.0, labelWidth = 150.0, row = 24.0
        let maxValue = max(items.map(\.value).max() ?? 0, 1e-300)
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(row * Double(items.count) + 10))\">"
        for (i, item) in items.enumerated() {
            let y = Double(i) * row + 5
            let w = (width - labelWidth - 230) * max(item.value, 0) / maxValue
            svg += "<text x=\"\(number(labelWidth - 6))\" y=\"\(number(y + 16))\" text-anchor=\"end\" font-size=\"12\">\(escape(item.label))</text>"
            svg += "<rect x=\"\(number(labelWidth))\" y=\"\(number(y + 3))\" width=\"\(number(w))\" height=\"\(number(row - 6))\" fill=\"\(item.color)\"><title>\(escape(item.label)): \(escape(format(item.value)))</title></rect>"
            svg += "<text x=\"\(number(labelWidth + w + 6))\" y=\"\(number(y + 16))\" font-size=\"12\">\(escape(format(item.value)))</text>"
        }
        return svg + "</svg>"
    }

    /// A tornado chart on a log scale: per row, a bar from the value at a figure's low end to the value
    /// at its high end (blue: low end, orange: high end), with the nominal value as a vertical line.
    static func tornado(_ rows: [(label: String, low: Double, high: Double)], nominal: Double) -> String {
        let width = 720.0, labelWidth = 190.0, row = 22.0, right = 60.0
        let values = rows.flatMap { [$0.low, $0.high] } + [nominal]
        guard let lo = values.filter({ $0 > 0 }).min(), let hi = values.max(), hi > 0 else { return "" }
        let a = log10(lo) - 0.05, b = log10(hi) + 0.05
        func x(_ v: Double) -> Double { labelWidth + (width - labelWidth - right) * (log10(max(v, lo)) - a) / max(b - a, 1e-9) }
        let height = row * Double(rows.count) + 30
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\">"
        for (i, r) in rows.enumerated() {
            let y = Double(i) * row + 4
            svg += "<text x=\"\(number(labelWidth - 6))\" y=\"\(number(y + 14))\" text-anchor=\"end\" font-size=\"11\">\(escape(r.label))</text>"
            for (v, color) in [(r.low, palette[0]), (r.high, palette[1])] {
                let x0 = min(x(v), x(nominal)), x1 = max(x(v), x(nominal))
                svg += "<rect x=\"\(number(x0))\" y=\"\(number(y + 3))\" width=\"\(number(max(x1 - x0, 1)))\" height=\"\(number(row - 6))\" fill=\"\(color)\"><title>\(escape(r.label)) at its \(color == palette[0] ? "low" : "high") end: \(String(format: "%.3g", v))×</title></rect>"
            }
        }
        let xn = x(nominal)
        svg += "<line x1=\"\(number(xn))\" y1=\"0\" x2=\"\(number(xn))\" y2=\"\(number(height - 20))\" stroke=\"#333\"/>"
        svg += "<text x=\"\(number(xn))\" y=\"\(number(height - 6))\" text-anchor=\"middle\" font-size=\"11\">\(String(format: "%.3g×", nominal))</text>"
        if lo < 1, hi > 1 {
            svg += "<line x1=\"\(number(x(1)))\" y1=\"0\" x2=\"\(number(x(1)))\" y2=\"\(number(height - 20))\" stroke=\"#b00\" stroke-dasharray=\"4 3\"><title>1×: even</title></line>"
        }
        return svg + "</svg>"
    }

    /// Vertical bars, one per category, stacked by series, with a legend (energy by layer and kind).
    static func stackedBars(categories: [String], series: [String], values: [[Double]], format: (Double) -> String) -> String {
        let height = 300.0, left = 70.0, bottom = 40.0, top = 10.0
        let barWidth = max(6.0, min(40.0, 900.0 / Double(max(categories.count, 1)) - 4))
        let width = left + Double(categories.count) * (barWidth + 4) + 180
        let totals = values.map { $0.reduce(0, +) }
        let maxTotal = max(totals.max() ?? 0, 1e-300)
        let plot = height - bottom - top
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\">"
        svg += "<line x1=\"\(number(left))\" y1=\"\(number(top))\" x2=\"\(number(left))\" y2=\"\(number(height - bottom))\" stroke=\"#333\"/>"
        svg += "<text x=\"\(number(left - 4))\" y=\"\(number(top + 10))\" text-anchor=\"end\" font-size=\"11\">\(escape(format(maxTotal)))</text>"
        svg += "<text x=\"\(number(left - 4))\" y=\"\(number(height - bottom))\" text-anchor=\"end\" font-size=\"11\">0</text>"
        for (i, category) in categories.enumerated() {
            let x = left + 4 + Double(i) * (barWidth + 4)
            var y = height - bottom
            for (s, name) in series.enumerated() where values[i][s] > 0 {
                let h = plot * values[i][s] / maxTotal
                y -= h
                svg += "<rect x=\"\(number(x))\" y=\"\(number(y))\" width=\"\(number(barWidth))\" height=\"\(number(h))\" fill=\"\(palette[s % palette.count])\"><title>\(escape(category)) \(escape(name)): \(escape(format(values[i][s])))</title></rect>"
            }
            if categories.count <= 40 || i % max(1, categories.count / 20) == 0 {
                svg += "<text x=\"\(number(x + barWidth / 2))\" y=\"\(number(height - bottom + 14))\" text-anchor=\"middle\" font-size=\"10\">\(escape(category))</text>"
            }
        }
        let legendX = width - 170
        for (s, name) in series.enumerated() {
            let y = top + Double(s) * 18
            svg += "<rect x=\"\(number(legendX))\" y=\"\(number(y))\" width=\"12\" height=\"12\" fill=\"\(palette[s % palette.count])\"/>"
            svg += "<text x=\"\(number(legendX + 18))\" y=\"\(number(y + 10))\" font-size=\"11\">\(escape(name))</text>"
        }
        return svg + "</svg>"
    }

    /// One grid per chip, laid out as the board lays its chips, shaded from white (no energy) to dark red
    /// (the hottest cell). Large meshes are drawn in blocks of cores (at most 16 × 16 cells per chip), so the
    /// file stays small and the picture fits the page.
    static func heatMap(chips: Int, chipsX: Int, meshX: Int, meshY: Int, energy: [Int: Double], format: (Double) -> String) -> String {
        // The geometry comes from the database: a damaged or foreign file may hold anything.
        guard (1...65536).contains(chips), (1...chips).contains(chipsX), chips % chipsX == 0, (1...4096).contains(meshX), (1...4096).contains(meshY) else {
            return "<p class=\"note\">No heat map: the stored board geometry (\(chips) chips, \(chipsX) along x, \(meshX)×\(meshY) cores) is not a board.</p>"
        }
        let block = max(1, (max(meshX, meshY) + 15) / 16)
        let cellsX = (meshX + block - 1) / block, cellsY = (meshY + block - 1) / block
        let cell = max(3.0, min(12.0, 240.0 / Double(max(cellsX, cellsY))))
        let gap = 14.0
        let shown = min(chips, 16)
        let perRow = max(1, min(chipsX, 4))
        let chipW = Double(cellsX) * cell, chipH = Double(cellsY) * cell + 16
        let rows = (shown + perRow - 1) / perRow
        let width = Double(perRow) * (chipW + gap) + gap, height = Double(rows) * (chipH + gap) + gap
        let boardWidth = chipsX * meshX
        var sums = [Double](repeating: 0, count: shown * cellsX * cellsY)
        for (core, v) in energy where core >= 0 && v.isFinite {
            let x = core % boardWidth, y = core / boardWidth
            let chip = (y / meshY) * chipsX + x / meshX
            guard chip < shown else { continue }
            sums[(chip * cellsY + (y % meshY) / block) * cellsX + (x % meshX) / block] += v
        }
        let maxValue = max(sums.max() ?? 0, 1e-300)
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\">"
        for chip in 0..<shown {
            let x0 = gap + Double(chip % perRow) * (chipW + gap), y0 = gap + Double(chip / perRow) * (chipH + gap)
            svg += "<text x=\"\(number(x0))\" y=\"\(number(y0 + 10))\" font-size=\"11\">chip \(chip)\(block > 1 ? " (\(block)×\(block) cores per cell)" : "")</text>"
            for cy in 0..<cellsY {
                for cx in 0..<cellsX {
                    let v = sums[(chip * cellsY + cy) * cellsX + cx]
                    let t = v / maxValue
                    let color = String(format: "#%02x%02x%02x", 255 - Int(55 * t), Int(255 * (1 - t)), Int(255 * (1 - t)))
                    svg += "<rect x=\"\(number(x0 + Double(cx) * cell))\" y=\"\(number(y0 + 16 + Double(cy) * cell))\" width=\"\(number(cell))\" height=\"\(number(cell))\" fill=\"\(color)\"><title>cores x \(cx * block)…, y \(cy * block)…: \(escape(format(v)))</title></rect>"
                }
            }
        }
        return svg + "</svg>"
    }

    /// A polyline of y over x (latency per token).
    static func line(_ points: [(x: Double, y: Double)], yLabel: String, format: (Double) -> String) -> String {
        let width = 720.0, height = 240.0, left = 80.0, bottom = 30.0, top = 10.0
        guard let maxX = points.map(\.x).max(), let maxY = points.map(\.y).max() else { return "<p>No data.</p>" }
        let sx = (width - left - 20) / max(maxX, 1), sy = (height - top - bottom) / max(maxY, 1e-300)
        let path = points.map { "\(number(left + $0.x * sx)),\(number(height - bottom - $0.y * sy))" }.joined(separator: " ")
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\">"
        svg += "<line x1=\"\(number(left))\" y1=\"\(number(height - bottom))\" x2=\"\(number(width - 20))\" y2=\"\(number(height - bottom))\" stroke=\"#333\"/>"
        svg += "<line x1=\"\(number(left))\" y1=\"\(number(top))\" x2=\"\(number(left))\" y2=\"\(number(height - bottom))\" stroke=\"#333\"/>"
        svg += "<text x=\"\(number(left - 4))\" y=\"\(number(top + 10))\" text-anchor=\"end\" font-size=\"11\">\(escape(format(maxY)))</text>"
        svg += "<text x=\"\(number(left - 4))\" y=\"\(number(height - bottom))\" text-anchor=\"end\" font-size=\"11\">0</text>"
        svg += "<text x=\"\(number(width - 20))\" y=\"\(number(height - 8))\" text-anchor=\"end\" font-size=\"11\">token \(Int(maxX))</text>"
        svg += "<text x=\"\(number(left + 4))\" y=\"\(number(top + 10))\" font-size=\"11\">\(escape(yLabel))</text>"
        svg += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(palette[0])\" stroke-width=\"1.5\"/>"
        for p in points where points.count <= 200 {
            svg += "<circle cx=\"\(number(left + p.x * sx))\" cy=\"\(number(height - bottom - p.y * sy))\" r=\"2\" fill=\"\(palette[0])\"><title>token \(Int(p.x)): \(escape(format(p.y)))</title></circle>"
        }
        return svg + "</svg>"
    }

    /// Points on log-log axes (a sweep's energy against latency or area); highlighted points (the Pareto
    /// front) are drawn larger in orange and joined in x order.
    static func scatter(_ points: [(x: Double, y: Double, label: String, highlight: Bool)], xLabel: String, yLabel: String,
                        format: (Double) -> String) -> String {
        let width = 720.0, height = 360.0, left = 90.0, bottom = 40.0, top = 14.0, right = 20.0
        let usable = points.filter { $0.x > 0 && $0.y > 0 && $0.x.isFinite && $0.y.isFinite }
        guard let x0 = usable.map(\.x).min(), let x1 = usable.map(\.x).max(),
              let y0 = usable.map(\.y).min(), let y1 = usable.map(\.y).max() else { return "<p>No complete points.</p>" }
        // A decade either side when every point has the same value, so that one point still has axes.
        let (ax, bx) = x0 == x1 ? (log10(x0) - 0.5, log10(x0) + 0.5) : (log10(x0), log10(x1))
        let (ay, by) = y0 == y1 ? (log10(y0) - 0.5, log10(y0) + 0.5) : (log10(y0), log10(y1))
        func px(_ v: Double) -> Double { left + (width - left - right) * (log10(v) - ax) / (bx - ax) }
        func py(_ v: Double) -> Double { height - bottom - (height - top - bottom) * (log10(v) - ay) / (by - ay) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\">"
        svg += "<line x1=\"\(number(left))\" y1=\"\(number(height - bottom))\" x2=\"\(number(width - right))\" y2=\"\(number(height - bottom))\" stroke=\"#333\"/>"
        svg += "<line x1=\"\(number(left))\" y1=\"\(number(top))\" x2=\"\(number(left))\" y2=\"\(number(height - bottom))\" stroke=\"#333\"/>"
        svg += "<text x=\"\(number(left - 4))\" y=\"\(number(top + 10))\" text-anchor=\"end\" font-size=\"11\">\(escape(format(pow(10, by))))</text>"
        svg += "<text x=\"\(number(left - 4))\" y=\"\(number(height - bottom))\" text-anchor=\"end\" font-size=\"11\">\(escape(format(pow(10, ay))))</text>"
        svg += "<text x=\"\(number(left))\" y=\"\(number(height - 22))\" font-size=\"11\">\(escape(String(format: "%.3g", pow(10, ax))))</text>"
        svg += "<text x=\"\(number(width - right))\" y=\"\(number(height - 22))\" text-anchor=\"end\" font-size=\"11\">\(escape(String(format: "%.3g", pow(10, bx))))</text>"
        svg += "<text x=\"\(number((left + width - right) / 2))\" y=\"\(number(height - 6))\" text-anchor=\"middle\" font-size=\"12\">\(escape(xLabel)) (log)</text>"
        svg += "<text x=\"\(number(left + 6))\" y=\"\(number(top + 10))\" font-size=\"12\">\(escape(yLabel)) (log)</text>"
        let front = usable.filter(\.highlight).sorted { $0.x < $1.x }
        if front.count > 1 {
            svg += "<polyline points=\"\(front.map { "\(number(px($0.x))),\(number(py($0.y)))" }.joined(separator: " "))\" fill=\"none\" stroke=\"\(palette[1])\" stroke-dasharray=\"4 3\"/>"
        }
        for p in usable.sorted(by: { !$0.highlight && $1.highlight }) {
            svg += "<circle cx=\"\(number(px(p.x)))\" cy=\"\(number(py(p.y)))\" r=\"\(p.highlight ? 5 : 3)\" fill=\"\(p.highlight ? palette[1] : palette[0])\" fill-opacity=\"0.8\"><title>\(escape(p.label))</title></circle>"
        }
        return svg + "</svg>"
    }
}
