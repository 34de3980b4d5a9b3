/// A token of a list query, with the position (in characters from 1) where it starts.
struct ListQueryToken: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        /// A name: a field, or a keyword (`AND`, `OR`, `IN`, `STARTS_WITH`, `true`, `false`) when not quoted.
        case name(String, quoted: Bool)
        case string(String)
        case number(ListQuery.Value)
        case op(ListQuery.Operator)
        case open, close, comma
        case end
    }

    var kind: Kind
    var position: Int

    /// Whether the token is the keyword `word` (keywords are case-insensitive, as in Temporal).
    func isKeyword(_ word: String) -> Bool {
        if case .name(let name, quoted: false) = kind { return name.uppercased() == word }
        return false
    }
}

/// Splits a list query into tokens; rejects what no token can start with, an unterminated
/// string or name, and a NUL (Postgres text cannot hold one).
struct ListQueryLexer {
    private let characters: [Character]
    private var index = 0

    init(_ text: String) { characters = Array(text) }

    static func error(_ position: Int, _ what: String) -> StoreError {
        StoreError(.invalidQuery, "invalid query at position \(position): \(what)")
    }

    mutating func tokens() throws -> [ListQueryToken] {
        var tokens: [ListQueryToken] = []
        while true {
            while index < characters.count, characters[index].isWhitespace { index += 1 }
            let position = index + 1
            guard index < characters.count else {
                tokens.append(ListQueryToken(kind: .end, position: position))
                return tokens
            }
            tokens.append(ListQueryToken(kind: try next(), position: position))
        }
    }

    private mutating func next() throws -> ListQueryToken.Kind {
        let position = index + 1
        let character = characters[index]
        switch character {
        case "(": index += 1; return .open
        case ")": index += 1; return .close
        case ",": index += 1; return .comma
        case "=": index += 1; return .op(.equal)
        case "!":
            guard peek(1) == "=" else { throw Self.error(position + 1, "expected \"=\" after \"!\"") }
            index += 2; return .op(.notEqual)
        case "<":
            if peek(1) == "=" { index += 2; return .op(.lessOrEqual) }
            if peek(1) == ">" { index += 2; return .op(.notEqual) }
            index += 1; return .op(.less)
        case ">":
            if peek(1) == "=" { index += 2; return .op(.greaterOrEqual) }
            index += 1; return .op(.greater)
        case "'", "\"": return .string(try quoted(by: character, what: "string"))
        case "`": return .name(try quoted(by: "`", what: "name"), quoted: true)
        case "-", "0"..."9": return .number(try number())
        default:
            guard Self.isNameStart(character) else { throw Self.error(position, "unexpected character \(String(reflecting: String(character)))") }
            let start = index
            while index < characters.count, Self.isNamePart(characters[index]) { index += 1 }
            return .name(String(characters[start..<index]), quoted: false)
        }
    }

    private func peek(_ offset: Int) -> Character? {
        index + offset < characters.count ? characters[index + offset] : nil
    }

    /// A string or backticked name: the quote doubled, or any character after `\`, stands for itself.
    private mutating func quoted(by quote: Character, what: String) throws -> String {
        let position = index + 1
        index += 1
        var text = ""
        while index < characters.count {
            let character = characters[index]
            if character == "\0" { throw Self.error(index + 1, "a \(what) cannot hold a NUL character") }
            if character == "\\", let escaped = peek(1) {
                if escaped == "\0" { throw Self.error(index + 2, "a \(what) cannot hold a NUL character") }
                text.append(escaped)
                index += 2
            } else if character == quote {
                if peek(1) == quote {
                    text.append(quote)
                    index += 2
                } else {
                    index += 1
                    return text
                }
            } else {
                text.append(character)
                index += 1
            }
        }
        throw Self.error(position, "the \(what) that starts here has no closing \(quote)")
    }

    private mutating func number() throws -> ListQuery.Value {
        let position = index + 1
        let start = index
        if characters[index] == "-" { index += 1 }
        while index < characters.count, characters[index].isASCII, characters[index].isNumber || ".eE+-".contains(characters[index]) {
            // A sign belongs to the number only right after an exponent's `e`.
            if "+-".contains(characters[index]), !"eE".contains(characters[index - 1]) { break }
            index += 1
        }
        let text = String(characters[start..<index])
        if let value = Int64(text) { return .int(value) }
        if let value = Double(text), value.isFinite { return .double(value) }
        throw Self.error(position, "\(String(reflecting: text)) is not a number")
    }

    private static func isNameStart(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character == "_")
    }

    private static func isNamePart(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || character == "_")
    }
}
