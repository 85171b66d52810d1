/// An adapter behind a switch (METHOD.md section 3, "Gates"): its output
/// multiplied by the gate's value g for this step, g A(x). Backward gives
/// dL/dx = A'(x)ᵀ (g dL/dy), the adapter's parameter gradients at g dL/dy,
/// and dL/dg = Σ dL/dy ⊙ A(x).
struct GatedAdapter<Scalar: Real>: EdgeModule {
    /// The adapter.
    var adapter: Adapter<Scalar>
    /// The gate's value this step (a relaxed Bernoulli sample).
    var gate: Scalar

    /// The adapter's tape and its output before the gate.
    struct Tape: Sendable {
        var adapter: Adapter<Scalar>.Tape
        var ungated: Matrix<Scalar>
    }

    /// The adapter's parameter gradients and dL/dg.
    struct Gradient {
        var adapter: Adapter<Scalar>
        var gate: Double
    }

    func forward(_ source: Matrix<Scalar>) -> (Matrix<Scalar>, Tape) {
        let (ungated, tape) = adapter.forward(source)
        var output = ungated
        for index in output.values.indices { output.values[index] *= gate }
        return (output, Tape(adapter: tape, ungated: ungated))
    }

    func backward(_ dOutput: Matrix<Scalar>, _ tape: Tape, accumulating gradient: inout Gradient?) -> Matrix<Scalar> {
        var dGate = 0.0
        var dUngated = dOutput
        for index in dUngated.values.indices {
            dGate += Double(dOutput.values[index]) * Double(tape.ungated.values[index])
            dUngated.values[index] *= gate
        }
        let (dSource, dAdapter) = adapter.backward(dUngated, tape.adapter)
        if let known = gradient {
            gradient = Gradient(adapter: known.adapter.adding(dAdapter!), gate: known.gate + dGate)
        } else {
            gradient = Gradient(adapter: dAdapter!, gate: dGate)
        }
        return dSource
    }
}
