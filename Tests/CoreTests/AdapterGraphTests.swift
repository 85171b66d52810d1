@testable import Core
import Testing

/// Adapters on every kind of edge: gradients against finite differences in
/// float64, and the identity at W_up = 0.
@Suite struct AdapterGraphTests {
    typealias G = GradientCheck
    let tolerance = 1e-6

    /// A tiny post-LN BERT: 2 blocks, 5 nodes, d = 8.
    func tinyBERT() -> (Backbone<Double>, BackboneInput<Double>) {
        var config = BackboneConfig(family: .bert, width: 8, layers: 2, heads: 2, intermediateWidth: 16, layerNormEpsilon: 1e-6)
        config.vocabularySize = 20; config.maxPositions = 16; config.typeVocabularySize = 2
        let layout = BatchLayout(examples: 2, length: 4, isToken: [true, true, true, true, true, true, true, false])
        return (Backbone<Double>.random(config, seed: 3, scale: 0.5),
                .tokens(ids: [2, 5, 7, 3, 2, 9, 3, 0], types: [Int32](repeating: 0, count: 8), layout: layout))
    }

    /// Random non-zero adapters (W_up != 0, so every parameter matters).
    func randomGraph(_ placement: Placement, width: Int, stop: Bool) -> AdapterGraph<Double> {
        let adapters = placement.entries.enumerated().map { index, entry -> Adapter<Double> in
            let rank = entry.options.rank, seed = UInt64(10 * index + 100)
            let scale: [Double] = entry.options.scale == .channel ? G.random(1, width, seed: seed + 4).values.map { 1 + $0 / 2 } : [0.7]
            let phi: Adapter<Double>.Phi
            switch entry.options.activation {
            case .linear: phi = .linear
            case .gelu: phi = .gelu
            case .rational:  // random coefficients of both signs, not the GELU fit
                phi = .rational(RationalActivation(numerator: G.random(1, 6, seed: seed + 5).values,
                                                   denominator: G.random(1, 4, seed: seed + 6).values))
            }
            return Adapter(down: Linear(weight: G.random(rank, width, seed: seed), bias: G.random(1, rank, seed: seed + 1).values),
                           up: Linear(weight: G.random(width, rank, seed: seed + 2), bias: G.random(1, width, seed: seed + 3).values),
                           scale: scale, phi: phi)
        }
        return AdapterGraph(placement: placement, adapters: adapters, stopsGradientAtRecurrentSources: stop)
    }

    let head = Linear<Double>(weight: GradientCheck.random(3, 8, seed: 50), bias: [0.1, -0.2, 0.3])
    let labels = [1, 2]

    func loss(_ backbone: Backbone<Double>, _ input: BackboneInput<Double>, _ graph: AdapterGraph<Double>,
              passOneValues: [Matrix<Double>?]? = nil) -> Double {
        let forward = backbone.forward(input, adapters: graph, passOneValues: passOneValues)
        return CrossEntropy.loss(head.forward(forward.pooled), labels: labels).loss
    }

    /// Every parameter of every adapter against central differences; with
    /// `stop`, pass 1's values are held at the unperturbed ones.
    func checkGradients(_ text: String, stop: Bool) throws {
        let (backbone, input) = tinyBERT()
        let graph = randomGraph(try Placement(parsing: text, nodeCount: backbone.nodeCount), width: 8, stop: stop)
        let forward = backbone.forward(input, adapters: graph)
        let (_, dLogits) = CrossEntropy.loss(head.forward(forward.pooled), labels: labels)
        let gradients = backbone.adapterGradients(forward, adapters: graph, pooledGradient: head.backward(dLogits))
        let frozen = stop ? forward.passOneNodes : nil
        for (index, gradient) in gradients.enumerated() {
            func perturbed(_ change: (inout Adapter<Double>) -> Void) -> AdapterGraph<Double> {
                var copy = graph
                change(&copy.adapters[index])
                return copy
            }
            let adapter = graph.adapters[index], edge = graph.placement.edges[index]
            var parts: [(String, Matrix<Double>, Matrix<Double>, (Matrix<Double>) -> AdapterGraph<Double>)] = [
                ("W_down", adapter.down.weight, gradient.down.weight, { m in perturbed { $0.down.weight = m } }),
                ("b_down", Matrix(rows: 1, cols: adapter.down.bias.count, values: adapter.down.bias),
                 Matrix(rows: 1, cols: gradient.down.bias.count, values: gradient.down.bias), { m in perturbed { $0.down.bias = m.values } }),
                ("W_up", adapter.up.weight, gradient.up.weight, { m in perturbed { $0.up.weight = m } }),
                ("b_up", Matrix(rows: 1, cols: adapter.up.bias.count, values: adapter.up.bias),
                 Matrix(rows: 1, cols: gradient.up.bias.count, values: gradient.up.bias), { m in perturbed { $0.up.bias = m.values } }),
                ("scale", Matrix(rows: 1, cols: adapter.scale.count, values: adapter.scale),
                 Matrix(rows: 1, cols: gradient.scale.count, values: gradient.scale), { m in perturbed { $0.scale = m.values } }),
            ]
            if case let .rational(phi) = adapter.phi {
                guard case let .rational(dPhi) = gradient.phi else { Issue.record("\(edge): no rational gradient"); continue }
                parts += [
                    ("a", Matrix(rows: 1, cols: 6, values: phi.numerator), Matrix(rows: 1, cols: 6, values: dPhi.numerator),
                     { m in perturbed { $0.phi = .rational(RationalActivation(numerator: m.values, denominator: phi.denominator)) } }),
                    ("b", Matrix(rows: 1, cols: 4, values: phi.denominator), Matrix(rows: 1, cols: 4, values: dPhi.denominator),
                     { m in perturbed { $0.phi = .rational(RationalActivation(numerator: phi.numerator, denominator: m.values)) } }),
                ]
            }
            for (name, value, analytic, rebuild) in parts {
                let error = G.relativeError(at: value, analytic: analytic) { loss(backbone, input, rebuild($0), passOneValues: frozen) }
                #expect(error < tolerance, "\(edge) \(name), stop \(stop): relative error \(error)")
            }
        }
    }

    /// One edge of each kind, linear, GELU and rational, scalar and
    /// channel-wise scales; the rational ones act in both passes (their
    /// coefficient gradients add up over the two).
    let mixed = "2>2:r2:gelu,1>2:r3:channel,0>3:r2,4>1:r2:gelu:channel,3>3:r2:rational,0>2:r2:rational:channel"

    @Test func mixedPlacementGradients() throws { try checkGradients(mixed, stop: false) }

    @Test func mixedPlacementGradientsWithTheStopGradientOption() throws { try checkGradients(mixed, stop: true) }
    /// A recurrent edge with no other edge below its source: pass 1 is the
    /// frozen backbone's, served by the prefix, so it runs no segment (forward
    /// or backward); pass 2 runs from the target.
    @Test func aFrozenPassOneRunsNoSegment() throws {
        let (backbone, input) = tinyBERT()
        let graph = randomGraph(try Placement(parsing: "3>1,4>4", nodeCount: 5), width: 8, stop: false)
        #expect(graph.frozenRecurrentSources(nodeCount: 5) == [3] && graph.frozenNodes(nodeCount: 5) == [1, 3])
        let run = backbone.forward(input, adapters: graph).run
        #expect(run.passOne.segmentTapes.allSatisfy { $0 == nil })
        #expect(run.passTwo.map { pass in (0..<5).map { pass.segmentTapes[$0] != nil } } == [false, false, true, true, true])
    }


    /// A side network: every edge into the last node. Its pass starts at
    /// the last node from the frozen prefix, so no segment of the backbone
    /// runs, forward or backward, and its gradients still check out.
    @Test func aSideNetworkRunsNoSegmentOfTheBackbone() throws {
        let (backbone, input) = tinyBERT()
        let placement = try Placement(parsing: "0>4,2>4,4>4", nodeCount: 5)
        let graph = randomGraph(placement, width: 8, stop: false)
        #expect(graph.firstChangedNode(nodeCount: 5) == 4 && graph.frozenNodes(nodeCount: 5) == [0, 2, 4])
        let run = backbone.forward(input, adapters: graph).run
        #expect(run.passTwo == nil && run.passOne.segmentTapes.allSatisfy { $0 == nil }, "no segment ran, so none runs backward")
        try checkGradients("0>4,2>4,4>4", stop: false)
    }

    @Test func stopGradientChangesOnlyTheRecurrentPath() throws {
        let (backbone, input) = tinyBERT()
        let placement = try Placement(parsing: mixed, nodeCount: backbone.nodeCount)
        var results: [[Adapter<Double>]] = []
        for stop in [false, true] {
            let graph = randomGraph(placement, width: 8, stop: stop)
            let forward = backbone.forward(input, adapters: graph)
            let (_, dLogits) = CrossEntropy.loss(head.forward(forward.pooled), labels: labels)
            results.append(backbone.adapterGradients(forward, adapters: graph, pooledGradient: head.backward(dLogits)))
        }
        #expect(results[0][3].up.weight == results[1][3].up.weight, "the recurrent adapter's own W_up gradient is the same")
        #expect(results[0][2].down.weight != results[1][2].down.weight, "0>3 also acts in pass 1, so its gradient changes")
    }

    @Test(arguments: ["none", "0>0", "3>4", "0>4", "4>0", "2>2:gelu,1>2:channel,0>3,4>1:gelu,3>0:r4", "1>3:rational,4>2:rational"])
    func withZeroUpProjectionsAnyPlacementComputesTheBackbonesOutput(_ text: String) throws {
        var config = BackboneConfig(family: .bert, width: 16, layers: 2, heads: 2, intermediateWidth: 32)
        config.vocabularySize = 30; config.maxPositions = 16; config.typeVocabularySize = 2
        let backbone = Backbone<Float>.random(config, seed: 9)
        let layout = BatchLayout(examples: 2, length: 5, isToken: [true, true, true, true, true, true, true, true, false, false])
        let input = BackboneInput<Float>.tokens(ids: [2, 5, 7, 9, 3, 2, 11, 3, 0, 0], types: [Int32](repeating: 0, count: 10),
                                                layout: layout)
        let placement = try Placement(parsing: text, nodeCount: backbone.nodeCount)
        let graph = AdapterGraph<Float>.initialized(placement, width: 16, seed: 1)
        let plain = backbone.forward(input), adapted = backbone.forward(input, adapters: graph)
        #expect(adapted.pooled == plain.pooled)
        #expect(adapted.nodes == plain.nodes.map(Optional.some))
    }

    @Test func placementsPrintBackTheSameText() throws {
        for text in ["12>0:r8,3>4:r4:gelu", "0>0:r1:channel:init=houlsby", "5>7:r16:gelu:alpha=0.5:init=lora", "3>4:r8:rational",
                     "3>4:r8:rational,2>2:r4:rational:channel:init=lora", "none"] {
            #expect(try Placement(parsing: text, nodeCount: 13).description == text)
        }
        #expect(try Placement(parsing: " 3>4 : gelu : r4 ", nodeCount: 13).description == "3>4:r4:gelu")
        let placement = try Placement(parsing: "12>0,1>2:r2", nodeCount: 13)
        #expect(placement.edges == [Edge(12, 0), Edge(1, 2)] && placement.edges.map(\.kind) == [.recurrent, .parallel])
    }

    @Test func adapterOptionsPrintBackTheSameTextAsInAPlacement() throws {
        for text in ["r8", "r4:gelu", "r1:channel:init=houlsby", "r16:gelu:alpha=0.5:init=lora", "r2:alpha=2.0", "r8:rational",
                     "r4:rational:channel:init=lora"] {
            let options = try AdapterOptions(parsing: text)
            #expect(options.description == text)
            #expect(try Placement(parsing: "3>4:" + text, nodeCount: 13).entries[0].options == options)
            #expect(Placement([.init(edge: Edge(3, 4), options: options)]).description == "3>4:" + text)
        }
        #expect(try AdapterOptions(parsing: " gelu : r4 ").description == "r4:gelu")
        #expect(try AdapterOptions(parsing: "init=standard:alpha=1:linear") == AdapterOptions())
        #expect(try AdapterOptions(parsing: "rational").activation == .rational)
        #expect(try AdapterOptions(parsing: " rational : r4 ").description == "r4:rational")
    }

    @Test func badAdapterOptionsAreClearErrorsNamingTheText() {
        #expect(throws: PlacementError.malformedOptions(text: "r0", reason: "rank 0: an adapter needs rank 1 or more")) {
            try AdapterOptions(parsing: "r0")
        }
        for text in ["", "relu", "r", "alpha=x", "alpha=inf", "init=xavier", "r8,r4", "0>0:r8"] {
            let error = #expect(throws: PlacementError.self) { try AdapterOptions(parsing: text) }
            guard case .malformedOptions(text, _)? = error else { Issue.record("\(text): \(String(describing: error))"); continue }
            #expect(error!.description.contains("'\(text)'") && error!.description.contains("r4:gelu"), "the message names the text and shows the form")
        }
    }

    @Test func badPlacementsAreClearErrors() throws {
        #expect(throws: PlacementError.unknownNode(edge: Edge(13, 0), nodeCount: 13)) { try Placement(parsing: "13>0", nodeCount: 13) }
        #expect(throws: PlacementError.rankZero(edge: Edge(1, 2))) { try Placement(parsing: "1>2:r0", nodeCount: 13) }
        #expect(throws: PlacementError.duplicateEdge(edge: Edge(1, 2))) { try Placement(parsing: "1>2,3>3,1>2:r4", nodeCount: 13) }
        for text in ["1-2", "1>", ">2", "a>b", "1>2:relu", "1>2,,3>3", "1>2:r", "1>2:alpha=x"] {
            let error = #expect(throws: PlacementError.self) { try Placement(parsing: text, nodeCount: 13) }
            guard case .malformed? = error else { Issue.record("\(text): \(String(describing: error))"); continue }
            #expect(error!.description.contains("12>0:r8"), "the message shows the form")
        }
        let conflicts = [("", "it is empty (write 'none' to train the head alone)"), ("  ", "it is empty"),
                         ("1>2:r8:r4", "'r8' and 'r4' both set the rank of 1>2"),
                         ("1>2:channel:alpha=2", "'channel' and 'alpha=2' both set the scale of 1>2"),
                         ("1>2:r8:gelu:gelu", "'gelu' and 'gelu' both set the activation of 1>2"),
                         ("1>2:gelu:rational", "'gelu' and 'rational' both set the activation of 1>2"),
                         ("1>2:r8:Rational", "unknown option 'Rational' on 1>2"),
                         ("1>2:init=lora:init=houlsby", "both set the initialization of 1>2"),
                         ("1>2:r99999999", "ranks go up to 65536"), ("1>2:alpha=inf", "unknown option 'alpha=inf'")]
        for (text, message) in conflicts {
            let error = #expect(throws: PlacementError.self) { try Placement(parsing: text, nodeCount: 13) }
            #expect(error?.description.contains(message) == true, "\(text): \(String(describing: error))")
        }
        #expect(throws: PlacementError.self) { try AdapterOptions(parsing: "r4:r8") }
        #expect(try Placement(parsing: " none ", nodeCount: 13).entries.isEmpty)
    }
}

extension AdaptedForward {
    /// Pass 1's final node values (all of them, or up to the last recurrent source).
    var passOneNodes: [Matrix<Scalar>?] { run.passOne.values }
}
