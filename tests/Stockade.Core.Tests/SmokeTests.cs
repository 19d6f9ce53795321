namespace Stockade.Core.Tests;

public class SmokeTests
{
    [Fact]
    public void Assembly_Loads() => typeof(SmokeTests).Assembly.GetName().Name.ShouldBe("Stockade.Core.Tests");
}
