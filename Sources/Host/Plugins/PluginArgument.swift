/// A plugin as a command-line option names it, `ID[:NAME=VALUE]...`: the
/// plugin's id, then parameters separated by colons, each named once, in
/// the order given (`--strategy random:kinds=sequential,parallel`,
/// `--metric gradient-rank:rtol=1e-3,1e-2`). Only the form is checked
/// here; what a value means is the option's business (`--metric` reads a
/// list to sweep), and the plugin checks names and values when it is created.
struct PluginArgument {
    /// The plugin's id.
    let id: String
    /// The parameters in the order given, values as written.
    let parameters: [(name: String, value: String)]

    /// Reads `text` given to `option` (`--strategy`) naming a plugin of
    /// `kind` (`strategy`), with `form` the syntax errors show. An empty id
    /// or one holding `=` or `@` (plugin ids hold neither), a part that is
    /// not NAME=VALUE, or a name given twice is an error quoting the text.
    init(parsing text: String, option: String, kind: String, form: String) throws(RunError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard let id = parts.first, !id.isEmpty, !id.contains("="), !id.contains("@") else {
            throw .invalidSetting("\(option) '\(text)' does not start with a \(kind) id (\(form))")
        }
        var parameters: [(name: String, value: String)] = []
        for part in parts.dropFirst() {
            guard let equals = part.firstIndex(of: "="), equals != part.startIndex else {
                throw .invalidSetting("\(option) '\(text)': '\(part)' is not NAME=VALUE (\(form))")
            }
            let name = String(part[..<equals])
            guard !parameters.contains(where: { $0.name == name }) else {
                throw .invalidSetting("\(option) '\(text)' gives '\(name)' twice; give each parameter once")
            }
            parameters.append((name, String(part[part.index(after: equals)...])))
        }
        self.id = id
        self.parameters = parameters
    }
}
