extension Message {
    /// Appends the frames of `other` from index `first` on.
    package mutating func appendFrames(of other: Message, from first: Int) {
        for index in first..<other.count { other[index].withUnsafeBytes { append($0) } }
    }
}
