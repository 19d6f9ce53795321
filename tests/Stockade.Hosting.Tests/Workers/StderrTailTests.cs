using Stockade.Hosting.Workers;

namespace Stockade.Hosting.Tests.Workers;

public sealed class StderrTailTests
{
    [Fact]
    public void Lines_StackLongerThanTheTail_KeepsTheCrashMessageInFront()
    {
        var tail = new StderrTail();
        tail.Add("Process terminated. the plugin gave up");
        for (var i = 0; i < 100; i++)
        {
            tail.Add($"   at Frame{i}()");
        }

        var lines = tail.Lines();

        lines[0].ShouldBe("Process terminated. the plugin gave up");
        lines[1].ShouldBe("… 60 more lines …");
        lines[^1].ShouldBe("   at Frame99()");
        lines.Count.ShouldBe(42);
    }

    [Fact]
    public void Lines_MessageStillInTheTail_ReturnsTheTailAsWritten()
    {
        var tail = new StderrTail();
        tail.Add("starting");
        tail.Add("Unhandled exception. boom");
        tail.Add("   at Main()");

        tail.Lines().ShouldBe(["starting", "Unhandled exception. boom", "   at Main()"]);
    }
}
