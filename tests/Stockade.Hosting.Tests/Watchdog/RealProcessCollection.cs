namespace Stockade.Hosting.Tests.Watchdog;

/// <summary>
/// Tests that measure real processes' CPU run alone: two spinners sharing the machine's two cores
/// with each other (and with the test runner) would each get far less than the core they assert.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RealProcessCollection
{
    public const string Name = "Real processes";
}
