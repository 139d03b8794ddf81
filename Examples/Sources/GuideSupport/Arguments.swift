/// The command line flags the examples share. Each flag is optional and the defaults give the
/// guide's behaviour; tests pass them to bound loops and to skip waits meant for a person.
public struct Arguments: Sendable {
    private let words: [String]

    /// Parses `words` (the program's arguments, without its name).
    public init(_ words: [String] = Array(CommandLine.arguments.dropFirst())) {
        self.words = words
    }

    /// `--count N`: how many rounds an example that loops for ever in the guide makes (nil:
    /// for ever).
    public var count: Int? { integer("--count") }

    /// The rounds of the example's main loop: `--count N` of them, or endless.
    public var rounds: Range<Int> { 0..<(count ?? Int.max) }

    /// The arguments before the first flag (a word starting with `--`), as the guide's own
    /// arguments (wuclient's zipcode filter).
    public var positional: [String] { Array(words.prefix { !$0.hasPrefix("--") }) }

    /// Whether `flag` (e.g. `--no-wait`) was given.
    public func has(_ flag: String) -> Bool { words.contains(flag) }

    /// The word after `flag`, nil when the flag is absent.
    public func string(_ flag: String) -> String? {
        guard let i = words.firstIndex(of: flag) else { return nil }
        guard i + 1 < words.count else { fatalUsage("\(flag) needs a value") }
        return words[i + 1]
    }

    /// The integer after `flag`, nil when the flag is absent. A flag without a valid integer
    /// ends the program with a usage message, as the examples have no other use for it.
    public func integer(_ flag: String) -> Int? {
        guard let word = string(flag) else { return nil }
        guard let value = Int(word), value >= 0 else {
            fatalUsage("\(flag) needs a number that is 0 or more")
        }
        return value
    }

    /// The integer after `flag`, or `fallback`.
    public func integer(_ flag: String, default fallback: Int) -> Int { integer(flag) ?? fallback }
}
