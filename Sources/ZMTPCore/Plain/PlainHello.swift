/// PLAIN's HELLO data (RFC 24): username-length(1) | username | password-length(1) | password.
/// Each field is at most 255 bytes, as its one-byte length allows.
struct PlainHello: Equatable {
    var username: [UInt8]
    var password: [UInt8]

    func encoded() -> [UInt8] {
        [UInt8(username.count)] + username + [UInt8(password.count)] + password
    }

    /// Parses HELLO's data; lengths must account for every byte, as libzmq requires.
    static func decode(_ data: [UInt8]) throws -> PlainHello {
        guard let userLength = data.first.map(Int.init) else {
            throw ZMTPError.malformedCommand("PLAIN HELLO has no username length")
        }
        let passwordLengthAt = 1 + userLength
        guard data.count > passwordLengthAt else {
            throw ZMTPError.malformedCommand("PLAIN HELLO username length \(userLength) runs past its \(data.count)-byte data")
        }
        let passwordLength = Int(data[passwordLengthAt])
        guard data.count == passwordLengthAt + 1 + passwordLength else {
            throw ZMTPError.malformedCommand("PLAIN HELLO password length \(passwordLength) does not match the \(data.count - passwordLengthAt - 1) bytes after it")
        }
        return PlainHello(username: Array(data[1..<passwordLengthAt]), password: Array(data[(passwordLengthAt + 1)...]))
    }
}
