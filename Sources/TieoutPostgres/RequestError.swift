/// A request a library refuses before it reaches the database (an unknown contract number, a malformed
/// currency code): one line for the user, shared by every tieout library so the command line prints them
/// all the same way.
public struct RequestError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
