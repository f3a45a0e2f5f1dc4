/// A column of a result: its name and type.
public struct PostgresColumn: Sendable, Hashable {
    /// The column name as the server reports it (the alias, if any).
    public var name: String
    /// The column's type OID.
    public var type: PostgresDataType
}

/// The result of one statement, copied out of libpq into one contiguous buffer so it can cross
/// actors freely; rows are views into it (no per-cell allocation).
public struct PostgresResult: RandomAccessCollection, Sendable {
    /// The shared immutable cell data.
    final class Storage: Sendable {
        let columns: [PostgresColumn]
        let columnIndex: [String: Int]
        let rowCount: Int
        /// All non-NULL cell bytes, row-major.
        let bytes: [UInt8]
        /// Per cell: start offset into `bytes`, and end offset (or -1 for NULL).
        let bounds: [(start: Int, end: Int)]

        init(columns: [PostgresColumn], rowCount: Int, bytes: [UInt8], bounds: [(start: Int, end: Int)]) {
            self.columns = columns
            var index: [String: Int] = [:]
            for (position, column) in columns.enumerated() where index[column.name] == nil {
                index[column.name] = position
            }
            columnIndex = index
            self.rowCount = rowCount
            self.bytes = bytes
            self.bounds = bounds
        }
    }

    let storage: Storage
    /// Rows inserted, updated, deleted, copied... as the server reported (`PQcmdTuples`), if any.
    public let affectedRows: Int?

    init(storage: Storage, affectedRows: Int?) {
        self.storage = storage
        self.affectedRows = affectedRows
    }

    /// No rows, no count: the result of a statement whose answer was not received.
    static let empty = PostgresResult(storage: Storage(columns: [], rowCount: 0, bytes: [], bounds: []), affectedRows: nil)

    /// The result's columns, in order.
    public var columns: [PostgresColumn] { storage.columns }
    /// Index of the first row.
    public var startIndex: Int { 0 }
    /// One past the last row.
    public var endIndex: Int { storage.rowCount }
    /// The row at `position`.
    public subscript(position: Int) -> PostgresRow { PostgresRow(storage: storage, row: position) }
}

/// One row of a ``PostgresResult``; decode its columns by index or by name.
public struct PostgresRow: Sendable {
    let storage: PostgresResult.Storage
    let row: Int

    /// The row's columns.
    public var columns: [PostgresColumn] { storage.columns }

    /// The cell at `column` (0-based), for decoders.
    public func cell(at column: Int) throws -> PostgresCell {
        guard column >= 0, column < storage.columns.count else {
            throw PostgresError(code: .decoding,
                                message: "column index \(column) out of range (\(storage.columns.count) columns)")
        }
        let (start, end) = storage.bounds[row * storage.columns.count + column]
        let bytes = end < 0 ? nil : storage.bytes[start..<end]
        return PostgresCell(bytes: bytes, type: storage.columns[column].type,
                            columnName: storage.columns[column].name, columnIndex: column)
    }

    /// The cell of the column called `name`.
    public func cell(named name: String) throws -> PostgresCell {
        guard let column = storage.columnIndex[name] else {
            let names = storage.columns.map(\.name).joined(separator: ", ")
            throw PostgresError(code: .decoding, message: "no column named \"\(name)\" (columns: \(names))")
        }
        return try cell(at: column)
    }

    /// Decodes column `column` (0-based) as `T`; `T?` accepts NULL.
    @inlinable
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, at column: Int) throws -> T {
        try T.decode(from: cell(at: column))
    }

    /// Decodes the column called `name` as `T`; `T?` accepts NULL.
    @inlinable
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, named name: String) throws -> T {
        try T.decode(from: cell(named: name))
    }

    /// True when column `column` is NULL.
    public func isNull(at column: Int) throws -> Bool { try cell(at: column).bytes == nil }
}

/// A single raw value of a row, as handed to ``PostgresDecodable`` types.
public struct PostgresCell: Sendable {
    /// The text-format bytes, or `nil` for SQL NULL.
    public var bytes: ArraySlice<UInt8>?
    /// The column's type.
    public var type: PostgresDataType
    /// The column's name, for error messages.
    public var columnName: String
    /// The column's index, for error messages.
    public var columnIndex: Int

    /// A decoding error naming this column, its type and the Swift type asked for.
    public func mismatch(_ swiftType: Any.Type, _ reason: String? = nil) -> PostgresError {
        var message = "column \"\(columnName)\" (index \(columnIndex)) of type \(type) cannot be decoded as \(swiftType)"
        if let reason { message += ": \(reason)" }
        return PostgresError(code: .decoding, message: message)
    }

    /// The bytes of a non-NULL cell whose type is one of `accepted` (any type if empty),
    /// or a decoding error naming the column.
    public func require(_ swiftType: Any.Type, types accepted: [PostgresDataType]) throws -> ArraySlice<UInt8> {
        guard accepted.isEmpty || accepted.contains(type) else { throw mismatch(swiftType) }
        guard let bytes else { throw mismatch(swiftType, "value is NULL (decode as Optional to accept NULL)") }
        return bytes
    }

    /// The bytes as a `String`.
    var string: String { bytes.map { String(decoding: $0, as: UTF8.self) } ?? "" }
}
