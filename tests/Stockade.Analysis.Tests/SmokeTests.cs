namespace Stockade.Analysis.Tests;

public class SmokeTests
{
    [Fact]
    public void Assembly_Loads() => typeof(SmokeTests).Assembly.GetName().Name.ShouldBe("Stockade.Analysis.Tests");
}
