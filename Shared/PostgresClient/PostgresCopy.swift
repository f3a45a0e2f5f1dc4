import CLibPQ

/// Builds COPY text-format data (tab-separated fields, `\N` for NULL, backslash escapes for
/// backslash, tab, newline and carriage return) in a large buffer, handing it to the server
/// chunk by chunk. Fields are appended left to right; ``endRow()`` finishes a row.
public struct PostgresCopyWriter: ~Copyable {
    private var buffer: [UInt8] = []
    private var scratch: [UInt8] = []
    private var fieldsInRow = 0
    private let chunkSize: Int
    private let sink: ([UInt8]) throws -> Void
    /// Rows finished so far.
    public private(set) var rowCount = 0

    /// A writer that passes chunks of about `chunkSize` bytes to `sink`.
    init(chunkSize: Int, sink: @escaping ([UInt8]) throws -> Void) {
        self.chunkSize = chunkSize
        self.sink = sink
        buffer.reserveCapacity(chunkSize + 4096)
    }

    /// Appends one field (NULL for `nil`).
    public mutating func append<Value: PostgresEncodable>(_ value: Value) throws {
        if fieldsInRow > 0 { buffer.append(UInt8(ascii: "\t")) }
        fieldsInRow += 1
        if value.isPostgresNull {
            buffer.append(UInt8(ascii: "\\"))
            buffer.append(UInt8(ascii: "N"))
            return
        }
        scratch.removeAll(keepingCapacity: true)
        try value.encodePostgresText(into: &scratch)
        Self.appendEscaped(scratch, to: &buffer)
    }

    /// Appends a string field; the common case, escaped straight from the string's UTF-8.
    public mutating func append(_ value: String) {
        if fieldsInRow > 0 { buffer.append(UInt8(ascii: "\t")) }
        fieldsInRow += 1
        var value = value
        value.withUTF8 { Self.appendEscaped($0, to: &buffer) }
    }

    /// Ends the current row and flushes the buffer when it is full.
    public mutating func endRow() throws {
        buffer.append(UInt8(ascii: "\n"))
        fieldsInRow = 0
        rowCount += 1
        if buffer.count >= chunkSize { try flush() }
    }

    /// Appends a whole row of values and ends it.
    public mutating func writeRow(_ values: any PostgresEncodable...) throws {
        for value in values { try append(value) }
        try endRow()
    }

    /// Sends what is buffered.
    mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        try sink(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Copies bytes, escaping the four characters COPY's text format treats specially.
    private static func appendEscaped<Bytes: Collection<UInt8>>(_ bytes: Bytes, to buffer: inout [UInt8]) {
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "\t"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "t"))
            case UInt8(ascii: "\n"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "n"))
            case UInt8(ascii: "\r"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "r"))
            default: buffer.append(byte)
            }
        }
    }
}

extension PostgresConnection {
    /// Bulk-writes rows with `COPY table (columns) FROM STDIN`: `body` appends fields and rows to
    /// the writer, which streams them in chunks of `chunkSize` bytes. Returns the rows copied.
    /// If `body` throws, the COPY is aborted (nothing is written) and the error rethrown.
    @discardableResult
    public func copy(into table: String, schema: String? = nil, columns: [String],
                     chunkSize: Int = 1 << 20,
                     _ body: (inout PostgresCopyWriter) throws -> Void) throws -> Int {
        let target = (schema.map { PostgresQuery.quoteIdentifier($0) + "." } ?? "") + PostgresQuery.quoteIdentifier(table)
        let columnList = columns.map(PostgresQuery.quoteIdentifier).joined(separator: ", ")
        return try copy(unsafeSQL: "COPY \(target) (\(columnList)) FROM STDIN", chunkSize: chunkSize, body)
    }

    /// Bulk-writes rows with an explicit `COPY ... FROM STDIN` statement (text format).
    @discardableResult
    public func copy(unsafeSQL sql: String, chunkSize: Int = 1 << 20,
                     _ body: (inout PostgresCopyWriter) throws -> Void) throws -> Int {
        try flushDeferred()
        let conn = try ensureConnected()
        let start = PQexec(conn, sql)
        guard let start, PQresultStatus(start) == PGRES_COPY_IN else {
            _ = try consume(start, conn: conn, sql: sql)
            throw PostgresError(code: .protocol, message: "statement did not start COPY FROM STDIN", query: sql)
        }
        PQclear(start)
        var writer = PostgresCopyWriter(chunkSize: chunkSize) { chunk in
            let status = chunk.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { PQputCopyData(conn, $0.baseAddress, Int32($0.count)) }
            }
            if status != 1 { throw self.connectionError(conn, sql: sql, sqlState: nil, fallback: .protocol) }
        }
        do {
            try body(&writer)
            try writer.flush()
        } catch {
            PQputCopyEnd(conn, "COPY aborted by the client: \(error)")
            _ = try? finishCopy(conn, sql: sql)
            throw error
        }
        if PQputCopyEnd(conn, nil) != 1 {
            throw connectionError(conn, sql: sql, sqlState: nil, fallback: .protocol)
        }
        return try finishCopy(conn, sql: sql) ?? writer.rowCount
    }

    /// Reads the results that end a COPY; returns the row count the server reported.
    private func finishCopy(_ conn: OpaquePointer, sql: String) throws -> Int? {
        var firstError: Error?
        var rows: Int?
        while let result = PQgetResult(conn) {
            do {
                rows = try consume(result, conn: conn, sql: sql).affectedRows ?? rows
            } catch {
                firstError = firstError ?? error
            }
        }
        if let firstError { throw firstError }
        return rows
    }
}
