using System.Text.Json;
using Eco.Weather;
using Stockade.Hosting.Contracts;
using Stockade.Hosting.Tests.Host;

namespace Stockade.Hosting.Tests.Issue19;

/// <summary>
/// Issue 19: an interface the host cannot use as a contract is said with the fix, at <c>GetPlugin</c>, before any plugin is
/// reached; the <c>contracts</c> of an <c>initialize</c> answer are read as the plugin's word.
/// </summary>
[Trait("Issue", "19")]
public sealed class Issue19ContractMisuseTests(RootHostFixture fixture) : IClassFixture<RootHostFixture>
{
    private PluginHost Host => fixture.Host;

    [Fact]
    public void GetPlugin_InterfaceWithoutPluginContract_SaysHowToDeclareOne()
    {
        var ex = Should.Throw<InvalidOperationException>(() => Host.GetPlugin<INotAContract>("t19.any"));

        ex.Message.ShouldContain("is not a plugin contract: declare it as a partial interface marked [PluginContract(\"name\", version)]");
    }

    [Fact]
    public void GetPlugin_ContractWithoutGeneratedProxy_SaysToBuildWithTheGenerator()
    {
        var ex = Should.Throw<InvalidOperationException>(() => Host.GetPlugin<IBareContract>("t19.any"));

        ex.Message.ShouldContain("('eco.bare' v1) has no generated proxy: make the interface partial and build its project with the Stockade.Plugin package");
    }

    [Fact]
    public void GetPlugin_ContractNameTheHostCannotMatch_SaysWhatANameIs()
    {
        var ex = Should.Throw<InvalidOperationException>(() => Host.GetPlugin<IBadName>("t19.any"));

        ex.Message.ShouldContain("declares the contract name 'Eco Weather' at version 1: a name is lower-case letters and digits");
    }

    [Fact]
    public void GetPlugin_PluginNotLoaded_IsPluginNotFound()
    {
        var ex = Should.Throw<PluginNotFoundException>(() => Host.GetPlugin<IWeather>("t19.missing"));

        ex.Message.ShouldBe("plugin 't19.missing' is not loaded");
    }

    [Theory]
    [InlineData("""{"methods":[]}""", "")]
    [InlineData("""{"contracts":null}""", "")]
    [InlineData("""{"contracts":[["eco.weather",2]]}""", "")]
    [InlineData("""{"contracts":{"eco.weather":2,"eco.clock":0}}""", "eco.clock=0,eco.weather=2")]
    [InlineData("""{"contracts":{"eco.weather":2.5,"eco.a":-1,"eco.b":"1","eco.c":2147483648,"eco.d":true,"eco.e":3}}""", "eco.e=3")]
    [InlineData("""{"contracts":{"Eco.Weather":1,"eco weather":1,".eco":1,"":1,"eco.\u001b[2J":1,"eco.ok":1}}""", "eco.ok=1")]
    [InlineData("""{"contracts":{"eco.weather":2,"eco.weather":3}}""", "eco.weather=2")]
    public void ReportedContracts_KeepOnlyWellFormedEntries(string answer, string expected)
    {
        using var document = JsonDocument.Parse(answer);

        var read = ReportedContracts.Read(document.RootElement);

        string.Join(",", read.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value}")).ShouldBe(expected);
    }

    [Fact]
    public void ReportedContracts_KeepsAtMost64()
    {
        var many = string.Join(",", Enumerable.Range(0, 200).Select(i => $"\"c.{i}\":{i}"));
        using var document = JsonDocument.Parse($"{{\"contracts\":{{{many}}}}}");

        ReportedContracts.Read(document.RootElement).Count.ShouldBe(ReportedContracts.MaxCount);
    }
}
