namespace Stockade.Hosting.Broker.Pipeline;

/// <summary>
/// One loaded plugin's policy gate: orders a change of its policy (the change's records, then the new policy in force)
/// against the allow records of its brokered calls, so that no call is recorded as allowed after a revoke's record.
/// A change is exclusive (<see cref="EnterChange"/>/<see cref="ExitChange"/>); calls do not exclude one another: a
/// call enters a recording section (<see cref="TryEnterRecording"/>) with two interlocked operations and no lock,
/// and only a call that meets a change waits for it (<see cref="WaitForChangeAsync"/>) and checks again. Session 13
/// took a semaphore on every call; that serialised a plugin's calls and cost two monitor round trips each.
/// </summary>
/// <remarks>
/// Why it holds (Dekker's pattern, both sides fenced): a call increments <c>_recording</c> and then reads
/// <c>_changing</c>; a change sets <c>_changing</c> and then reads <c>_recording</c>. At least one of them sees the
/// other. If the call sees no change, the change waits until the call has sequenced its record, so that record comes
/// before the change's. If the call sees the change (or a version other than the one it checked against), it backs
/// out without recording and checks again against the new policy. The version is bumped before <c>_changing</c> is
/// cleared, so a call that sees the gate open after a change also sees its version.
/// </remarks>
internal sealed class PolicyGate
{
    private readonly SemaphoreSlim _change = new(1, 1);
    private int _version;
    private int _changing;
    private int _recording;

    /// <summary>Bumped by every change of the policy in force (<see cref="PolicyChanged"/>).</summary>
    public int Version => Volatile.Read(ref _version);

    /// <summary>Starts a change: waits for any other change, closes the gate to new records, and lets the calls already recording finish.</summary>
    public void EnterChange()
    {
        _change.Wait();
        Interlocked.Exchange(ref _changing, 1);
        var spin = default(SpinWait);
        while (Volatile.Read(ref _recording) != 0)
        {
            spin.SpinOnce(); // a call between its check and its record's place in the queue: a few µs, unless the audit queue is full
        }
    }

    /// <summary>The policy in force was replaced (called inside a change, after the change's records).</summary>
    public void PolicyChanged() => Interlocked.Increment(ref _version);

    /// <summary>Ends the change and opens the gate.</summary>
    public void ExitChange()
    {
        Volatile.Write(ref _changing, 0);
        _change.Release();
    }

    /// <summary>
    /// Enters the section in which a call sequences its allow record, when no change is under way and the policy is
    /// still the one of <paramref name="version"/>; false otherwise (nothing entered: check the call again).
    /// </summary>
    public bool TryEnterRecording(int version)
    {
        Interlocked.Increment(ref _recording);
        if (Volatile.Read(ref _changing) == 0 && Volatile.Read(ref _version) == version)
        {
            return true;
        }

        Interlocked.Decrement(ref _recording);
        return false;
    }

    /// <summary>Leaves the recording section entered by <see cref="TryEnterRecording"/>.</summary>
    public void ExitRecording() => Interlocked.Decrement(ref _recording);

    /// <summary>Completes once no change is under way (a call that met one waits here, then checks again).</summary>
    public async ValueTask WaitForChangeAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _changing) == 0)
        {
            return;
        }

        await _change.WaitAsync(cancellationToken).ConfigureAwait(false);
        _change.Release();
    }
}
