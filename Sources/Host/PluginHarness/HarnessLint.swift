import CAdapterSearch

/// The descriptor checks of `plugins test`: what the header asks of an
/// `asp_plugin_descriptor` and its `asp_param_descriptor`s beyond what the
/// loader already refuses (PLUGIN_ABI.md rule 10): texts that say something,
/// the fields the other kind leaves empty, known bits only, lowercase
/// parameter names, help, and bounds that make sense. Read from the C
/// descriptor within its declared size.
enum HarnessLint {
    /// The ASP_NEEDS_* bits this header defines.
    static let knownNeeds = ASP_NEEDS_PROBE | ASP_NEEDS_SPECTRUM | ASP_NEEDS_ADAPTER_INIT | ASP_NEEDS_EXTRA_PASSES
    /// The ASP_PARAM_HAS_* bits this header defines.
    static let knownFlags = ASP_PARAM_HAS_MINIMUM | ASP_PARAM_HAS_MAXIMUM

    /// The "descriptor" check of `plugin`.
    static func descriptor(_ plugin: PluginDescriptor) -> HarnessCheck {
        let descriptor = SizedStruct(plugin.cDescriptor)
        var problems: [String] = []
        for (field, text) in [("name", plugin.name), ("version", plugin.version), ("description", plugin.summary)]
        where text.allSatisfy(\.isWhitespace) {
            problems.append("\(field) is empty")
        }
        let rawDirection = descriptor.required(\.direction), rawNeeds = descriptor.required(\.needs)
        switch plugin.kind {
        case .metric:
            if rawNeeds & ~knownNeeds != 0 {
                problems.append("needs has unknown bits 0x\(String(rawNeeds & ~knownNeeds, radix: 16)) (ASP_NEEDS_* only)")
            }
            if descriptor.required(\.select) != nil { problems.append("a metric's select must be NULL") }
        case .strategy:
            if rawDirection != 0 { problems.append("a strategy's direction must be 0, not \(rawDirection)") }
            if rawNeeds != 0 { problems.append("a strategy's needs must be 0, not \(rawNeeds)") }
            if descriptor.required(\.score) != nil { problems.append("a strategy's score must be NULL") }
        }
        guard problems.isEmpty else {
            return HarnessCheck(subject: plugin.id, check: "descriptor", status: .fail, detail: problems.joined(separator: "; "))
        }
        var found = ["\(plugin.kind) \"\(plugin.name)\" \(plugin.version)"]
        if plugin.kind == .metric {
            found.append(plugin.direction == ASP_HIGHER_IS_BETTER ? "higher is better" : "lower is better")
            found.append("needs " + (plugin.needsNames.isEmpty ? "nothing" : plugin.needsNames.joined(separator: ", ")))
        }
        return HarnessCheck(subject: plugin.id, check: "descriptor", status: .pass, detail: found.joined(separator: ", "))
    }

    /// The "parameter declarations" check of `plugin`.
    static func parameters(_ plugin: PluginDescriptor) -> HarnessCheck {
        let check = "parameter declarations"
        let descriptor = SizedStruct(plugin.cDescriptor)
        guard let count = descriptor[\.param_count], count > 0, let table = descriptor[\.params] ?? nil else {
            return HarnessCheck(subject: plugin.id, check: check, status: .pass, detail: "it declares none")
        }
        var problems: [String] = []
        for index in 0..<Int(count) {
            guard let pointer = table[index] else { continue }  // the loader refused these already
            let parameter = SizedStruct(pointer)
            let name = parameter.required(\.name).map { String(cString: $0) } ?? "#\(index)"
            func problem(_ text: String) { problems.append("'\(name)' \(text)") }
            if !name.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F || $0 == 0x2D }) {
                problem("is not a name of [a-z0-9_-]")
            }
            if let help = parameter.required(\.help) {
                if String(cString: help).allSatisfy(\.isWhitespace) { problem("has an empty help line") }
            } else {
                problem("has a NULL help line")
            }
            let flags = parameter.required(\.flags), type = parameter.required(\.type)
            let minimum = parameter.required(\.minimum), maximum = parameter.required(\.maximum)
            if flags & ~knownFlags != 0 { problem("has unknown flag bits 0x\(String(flags & ~knownFlags, radix: 16))") }
            let bounded = flags & knownFlags != 0
            if bounded, type != ASP_PARAM_INT, type != ASP_PARAM_REAL { problem("has bounds, but bounds apply to INT and REAL only") }
            if flags & ASP_PARAM_HAS_MINIMUM != 0, minimum.isNaN { problem("has a NaN minimum") }
            if flags & ASP_PARAM_HAS_MAXIMUM != 0, maximum.isNaN { problem("has a NaN maximum") }
            if flags & knownFlags == knownFlags, minimum > maximum {
                problem("has minimum \(ScoreTable.format(minimum)) > maximum \(ScoreTable.format(maximum))")
            }
            if type == ASP_PARAM_INT, flags & knownFlags == knownFlags, minimum.rounded(.up) > maximum.rounded(.down) {
                problem("admits no integer between \(ScoreTable.format(minimum)) and \(ScoreTable.format(maximum))")
            }
        }
        if !problems.isEmpty { return HarnessCheck(subject: plugin.id, check: check, status: .fail, detail: problems.joined(separator: "; ")) }
        let summary = plugin.parameters.map { parameter -> String in
            var bounds = ""
            switch (parameter.minimum, parameter.maximum) {
            case let (low?, high?): bounds = " in [\(ScoreTable.format(low)), \(ScoreTable.format(high))]"
            case let (low?, nil): bounds = " >= \(ScoreTable.format(low))"
            case let (nil, high?): bounds = " <= \(ScoreTable.format(high))"
            case (nil, nil): break
            }
            return "\(parameter.name) (\(parameter.type.rawValue)\(bounds), default \(parameter.defaultValue))"
        }
        return HarnessCheck(subject: plugin.id, check: check, status: .pass,
                            detail: "unique names, defaults within their bounds: " + summary.joined(separator: ", "))
    }
}
