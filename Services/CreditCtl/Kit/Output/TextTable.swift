/// A plain-text table for terminal output: a header, a rule of dashes and the rows, each
/// column as wide as its widest cell, columns two spaces apart, no trailing spaces.
/// Newlines and tabs inside cells are shown as spaces so a row stays one line.
public struct TextTable: Sendable, Hashable {
    /// How a column's cells sit in its width.
    public enum Alignment: Sendable, Hashable {
        /// Text: padded on the right.
        case left
        /// Numbers: padded on the left.
        case right
    }

    /// One column: its header and alignment.
    public struct Column: Sendable, Hashable {
        /// The header text.
        public var header: String
        /// The alignment of the header and the cells.
        public var alignment: Alignment
        /// Creates a column.
        public init(_ header: String, _ alignment: Alignment = .left) {
            self.header = header
            self.alignment = alignment
        }
    }

    /// The columns.
    public var columns: [Column]
    /// The rows; a short row is padded with empty cells, extra cells are dropped.
    public var rows: [[String]]

    /// Creates a table.
    public init(_ columns: [Column], rows: [[String]] = []) {
        self.columns = columns
        self.rows = rows
    }

    /// Creates a table of left-aligned columns.
    public init(headers: [String], rows: [[String]] = []) {
        self.init(headers.map { Column($0) }, rows: rows)
    }

    /// Adds a row.
    public mutating func append(_ row: [String]) { rows.append(row) }

    /// The rendered table, lines joined by `\n`, without a final newline.
    public func render() -> String {
        let cells = rows.map { row in columns.indices.map { $0 < row.count ? Self.flatten(row[$0]) : "" } }
        let widths = columns.indices.map { index in
            cells.reduce(columns[index].header.count) { max($0, $1[index].count) }
        }
        func line(_ values: [String]) -> String {
            let padded = values.indices.map { index -> String in
                let fill = String(repeating: " ", count: widths[index] - values[index].count)
                return columns[index].alignment == .left ? values[index] + fill : fill + values[index]
            }
            return String(padded.joined(separator: "  ").reversed().drop(while: { $0 == " " }).reversed())
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        return ([line(columns.map(\.header)), rule] + cells.map(line)).joined(separator: "\n")
    }

    private static func flatten(_ text: String) -> String {
        String(text.map { $0.isNewline || $0 == "\t" ? " " : $0 })
    }
}
