/// The structural check of a map's filter or expression, before the server sees it: it must be exactly one SQL
/// expression, so that spliced as `(<text>)` it stays one. The scanner knows what hides text from it: `'…'` strings
/// (`''` inside; `E'…'` also `\'`), `"…"` identifiers (`""` inside) and `$tag$…$tag$` dollar quotes. Outside them
/// it refuses `;`, comments (`--`, `/*`), parameters (`$1`), a `)` or `]` that closes what the text did not open
/// (`false) or (true` would close the parenthesis the engine puts around it), one left open, a `,` outside any
/// parentheses (that would be a second expression), row locking (`FOR UPDATE`/`FOR SHARE` in a subquery) and an
/// unterminated string, identifier or dollar quote. What the text means (columns, types, the functions it calls and
/// the tables it reads) the server checks when the maps are validated.
public enum SQLExpression {
    /// Why `text` is not one expression, in words (`may not contain ';' or comments`), or nil when it is.
    public static func structuralProblem(_ text: String) -> String? {
        let scalars = Array(text.unicodeScalars)
        var index = 0
        var open: [Unicode.Scalar] = []
        var words: [String] = []
        var word = ""
        func isIdentifier(_ scalar: Unicode.Scalar) -> Bool {
            scalar == "_" || scalar == "$" || scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                || scalar.value >= 0x80
        }
        func endWord() {
            if !word.isEmpty { words.append(word.lowercased()) }
            word = ""
        }
        func at(_ offset: Int) -> Unicode.Scalar? {
            index + offset < scalars.count ? scalars[index + offset] : nil
        }
        while index < scalars.count {
            let scalar = scalars[index]
            // A word (keyword or identifier); `$` inside one is part of it (`a$b`), so no dollar quote starts there.
            if isIdentifier(scalar) && !(scalar == "$" && word.isEmpty) {
                // `E'…'` (or `e'…'`): a string with backslash escapes.
                if (scalar == "E" || scalar == "e") && word.isEmpty && at(1) == "'" {
                    endWord()
                    index += 1
                    guard let end = stringEnd(scalars, from: index, backslashEscapes: true) else {
                        return "has a string that is never closed (')"
                    }
                    index = end
                    continue
                }
                word.unicodeScalars.append(scalar)
                index += 1
                continue
            }
            endWord()
            switch scalar {
            case "'":
                guard let end = stringEnd(scalars, from: index, backslashEscapes: false) else {
                    return "has a string that is never closed (')"
                }
                index = end
                continue
            case "\"":
                var next = index + 1
                var closed = false
                while next < scalars.count {
                    if scalars[next] == "\"" {
                        if next + 1 < scalars.count && scalars[next + 1] == "\"" {
                            next += 2
                            continue
                        }
                        closed = true
                        break
                    }
                    next += 1
                }
                guard closed else { return "has a quoted identifier that is never closed (\")" }
                index = next + 1
                continue
            case "$":
                if let digit = at(1), ("0"..."9").contains(digit) {
                    return "may not contain parameters ($\(digit))"
                }
                // $tag$ … $tag$, the tag empty or a name.
                var tagEnd = index + 1
                while tagEnd < scalars.count && scalars[tagEnd] != "$" && isIdentifier(scalars[tagEnd]) {
                    tagEnd += 1
                }
                guard tagEnd < scalars.count && scalars[tagEnd] == "$" else {
                    return "has a '$' that starts no dollar quote"
                }
                let tag = Array(scalars[index...tagEnd])
                var search = tagEnd + 1
                var closed = false
                while search + tag.count <= scalars.count {
                    if Array(scalars[search..<(search + tag.count)]) == tag {
                        closed = true
                        break
                    }
                    search += 1
                }
                guard closed else {
                    return "has a dollar quote that is never closed (\(String(String.UnicodeScalarView(tag))))"
                }
                index = search + tag.count
                continue
            case ";":
                return "may not contain ';' or comments"
            case "-" where at(1) == "-":
                return "may not contain ';' or comments"
            case "/" where at(1) == "*":
                return "may not contain ';' or comments"
            case "(", "[":
                open.append(scalar)
            case ")", "]":
                let opening: Unicode.Scalar = scalar == ")" ? "(" : "["
                guard let last = open.popLast() else {
                    return "has a '\(scalar)' that closes nothing it opened; it must be one expression"
                }
                guard last == opening else { return "has a '\(scalar)' that closes a '\(last)'" }
            case "," where open.isEmpty:
                return "has a ',' outside parentheses; it must be one expression"
            default:
                break
            }
            index += 1
        }
        endWord()
        if let last = open.last { return "has a '\(last)' that is never closed" }
        for (position, word) in words.enumerated() where word == "for" && position + 1 < words.count {
            if ["update", "share", "no", "key"].contains(words[position + 1]) {
                return "may not lock rows (FOR \(words[position + 1].uppercased()))"
            }
        }
        return nil
    }

    /// The index after the `'` that closes the string opening at `start`, or nil when it is never closed.
    private static func stringEnd(_ scalars: [Unicode.Scalar], from start: Int, backslashEscapes: Bool) -> Int? {
        var index = start + 1
        while index < scalars.count {
            let scalar = scalars[index]
            if backslashEscapes && scalar == "\\" {
                index += 2
                continue
            }
            if scalar == "'" {
                if index + 1 < scalars.count && scalars[index + 1] == "'" {
                    index += 2
                    continue
                }
                return index + 1
            }
            index += 1
        }
        return nil
    }
}
