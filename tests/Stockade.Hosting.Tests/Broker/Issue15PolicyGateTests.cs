using System.Collections.Concurrent;
using Stockade.Hosting.Broker.Pipeline;

namespace Stockade.Hosting.Tests.Broker;

/// <summary>
/// The policy gate without a lock per call (session 14): calls record without excluding one another, and a change
/// (a revoke) still comes after every allow record made under the old policy and before any made under the new one.
/// A queue stands for the audit writer's ordered queue; the callers and the changer race on real threads.
/// </summary>
[Trait("Issue", "15")]
public sealed class Issue15PolicyGateTests
{
    [Fact]
    public async Task Revoke_RacedAgainstRecordingCalls_NoAllowRecordAfterTheRevokeRecord()
    {
        for (var trial = 0; trial < 50; trial++)
        {
            var gate = new PolicyGate();
            var log = new ConcurrentQueue<string>();
            var granted = true; // the policy in force, replaced inside the change
            var revokedAt = -1;
            using var start = new ManualResetEventSlim();
            var callers = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
            {
                start.Wait();
                while (true)
                {
                    var version = gate.Version;
                    if (!Volatile.Read(ref granted))
                    {
                        return; // refused under the new policy: nothing recorded as allowed
                    }

                    if (!gate.TryEnterRecording(version))
                    {
                        await gate.WaitForChangeAsync(CancellationToken.None);
                        continue;
                    }

                    try
                    {
                        log.Enqueue("allow");
                    }
                    finally
                    {
                        gate.ExitRecording();
                    }
                }
            })).ToArray();
            var changer = Task.Run(() =>
            {
                start.Wait();
                Thread.SpinWait(2000 + (trial * 997 % 20_000));
                gate.EnterChange();
                try
                {
                    log.Enqueue("revoke");
                    revokedAt = log.Count - 1;
                    Volatile.Write(ref granted, false);
                    gate.PolicyChanged();
                }
                finally
                {
                    gate.ExitChange();
                }
            });
            start.Set();
            await Task.WhenAll(callers.Append(changer)).WaitAsync(TimeSpan.FromSeconds(60));

            var records = log.ToArray();
            var revoke = Array.IndexOf(records, "revoke");
            revoke.ShouldBe(revokedAt, "nothing was recorded while the change held the gate");
            records.Skip(revoke + 1).ShouldBeEmpty($"trial {trial}: an allow record followed the revoke's");
        }
    }

    [Fact]
    public async Task CallThatMeetsAChange_WaitsForIt_ThenSeesTheNewVersion()
    {
        var gate = new PolicyGate();
        var version = gate.Version;
        gate.EnterChange();
        gate.TryEnterRecording(version).ShouldBeFalse("a change is under way");
        var waiting = gate.WaitForChangeAsync(CancellationToken.None).AsTask();
        await Task.Delay(50);
        waiting.IsCompleted.ShouldBeFalse("the call waits until the change ends");
        gate.PolicyChanged();
        gate.ExitChange();
        await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        gate.TryEnterRecording(version).ShouldBeFalse("checked against the old policy: check again");
        gate.TryEnterRecording(gate.Version).ShouldBeTrue();
        gate.ExitRecording();
    }
}
