using System.Diagnostics;

namespace Fixture.ProcessStart;

public static class Runner
{
    public static Process? Run() => Process.Start("/bin/true");
}
