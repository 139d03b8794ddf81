/// Turns the bytes a NATS server sends into operations, incrementally: `append` what was read,
/// then call `next()` until it returns nil (more bytes needed). Memory is bounded: a control
/// line may be at most `maxControlLine` bytes and a message payload at most `maxPayload`
/// (the server's own `max_payload`, from its INFO). Any error leaves the parser unusable: the
/// connection must be closed.
public struct NATSParser: Sendable {
    /// Default control-line limit. Larger than the server's own 4096 so that a cluster's INFO,
    /// which lists every server's URL, still fits.
    public static let defaultMaxControlLine = 64 << 10

    /// The longest control line (up to CRLF) accepted.
    public var maxControlLine: Int
    /// The largest MSG payload accepted; every INFO sets it to the server's `max_payload`.
    public var maxPayload: Int
    private var buffer: [UInt8] = []
    private var start = 0
    /// The MSG/HMSG whose payload (and CRLF) is awaited.
    private var awaiting: Pending?
    /// Where the CRLF search resumes: the bytes before it were searched already.
    private var scanned = 0

    /// A parser expecting the start of a stream.
    public init(maxControlLine: Int = NATSParser.defaultMaxControlLine, maxPayload: Int = 1 << 20) {
        self.maxControlLine = maxControlLine
        self.maxPayload = maxPayload
    }

    /// Bytes held and not yet parsed.
    public var buffered: Int { buffer.count - start }

    /// Adds bytes read from the connection.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if start > 0 && start >= buffer.count / 2 {
            buffer.removeSubrange(0..<start)
            scanned -= start
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Adds bytes read from the connection.
    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// The next complete operation, or nil when more bytes are needed.
    public mutating func next() throws(NATSWireError) -> NATSServerOperation? {
        if let pending = awaiting { return try payload(for: pending) }
        guard let lineEnd = findCRLF() else {
            if buffer.count - start > maxControlLine { throw .controlLineTooLong(limit: maxControlLine) }
            return nil
        }
        guard lineEnd - start <= maxControlLine else { throw .controlLineTooLong(limit: maxControlLine) }
        let line = buffer[start..<lineEnd]
        start = lineEnd + 2
        scanned = start
        return try operation(line)
    }

    private mutating func findCRLF() -> Int? {
        var index = max(scanned, start)
        while index + 1 < buffer.count {
            if buffer[index] == 13 && buffer[index + 1] == 10 { return index }
            index += 1
        }
        scanned = max(start, buffer.count - 1)
        return nil
    }

    private mutating func operation(_ line: ArraySlice<UInt8>) throws(NATSWireError) -> NATSServerOperation? {
        let nameEnd = line.firstIndex(where: { $0 == 0x20 || $0 == 0x09 }) ?? line.endIndex
        let name = String(decoding: line[line.startIndex..<nameEnd], as: UTF8.self).uppercased()
        let rest = line[nameEnd...]
        switch name {
        case "PING": return .ping
        case "PONG": return .pong
        case "+OK": return .ok
        case "-ERR":
            var text = String(decoding: rest, as: UTF8.self).trimmingBlanks()
            if text.count >= 2, text.hasPrefix("'"), text.hasSuffix("'") { text = String(text.dropFirst().dropLast()) }
            return .err(text)
        case "INFO":
            let info = try NATSInfo(json: rest)
            maxPayload = info.maxPayload
            return .info(info)
        case "MSG", "HMSG":
            return try message(name, arguments: rest)
        default:
            throw .unknownOperation(String(name.prefix(32)))
        }
    }

    /// MSG <subject> <sid> [reply-to] <#bytes>; HMSG <subject> <sid> [reply-to] <#header bytes> <#total bytes>.
    private mutating func message(_ name: String, arguments: ArraySlice<UInt8>) throws(NATSWireError) -> NATSServerOperation? {
        let fields = arguments.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 }).map { String(decoding: $0, as: UTF8.self) }
        let sizes = name == "HMSG" ? 2 : 1
        guard fields.count == 2 + sizes || fields.count == 3 + sizes else {
            throw .malformed(operation: name, reason: "\(fields.count) arguments")
        }
        guard let sid = Self.number(fields[1]) else { throw .malformed(operation: name, reason: "bad sid") }
        guard let total = Self.number(fields[fields.count - 1]) else { throw .malformed(operation: name, reason: "bad size") }
        var headerBytes = 0
        if sizes == 2 {
            guard let size = Self.number(fields[fields.count - 2]), size <= total else {
                throw .malformed(operation: name, reason: "bad header size")
            }
            headerBytes = Int(size)
        }
        guard total <= UInt64(maxPayload) else { throw .payloadTooLarge(size: Int(clamping: total), limit: maxPayload) }
        let replyTo = fields.count == 3 + sizes ? fields[2] : nil
        let message = NATSMessage(subject: fields[0], sid: sid, replyTo: replyTo, payload: [])
        let pending = Pending(message: message, isHMSG: sizes == 2, headerBytes: headerBytes, totalBytes: Int(total))
        awaiting = pending
        return try payload(for: pending)
    }

    private mutating func payload(for pending: Pending) throws(NATSWireError) -> NATSServerOperation? {
        guard buffer.count - start >= pending.totalBytes + 2 else { return nil }
        let end = start + pending.totalBytes
        guard buffer[end] == 13, buffer[end + 1] == 10 else { throw .missingPayloadTerminator }
        var message = pending.message
        if pending.isHMSG { message.headers = Array(buffer[start..<start + pending.headerBytes]) }
        message.payload = Array(buffer[(start + pending.headerBytes)..<end])
        start = end + 2
        scanned = start
        awaiting = nil
        return .msg(message)
    }

    private struct Pending: Sendable {
        var message: NATSMessage
        var isHMSG: Bool
        var headerBytes: Int
        var totalBytes: Int
    }

    /// Decimal digits only, at most 19 of them.
    static func number(_ text: String) -> UInt64? {
        guard !text.isEmpty, text.utf8.count <= 19, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return UInt64(text)
    }
}

extension String {
    func trimmingBlanks() -> String {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !blank($0) }), let last = lastIndex(where: { !blank($0) }) else { return "" }
        return String(self[first...last])
    }
}
