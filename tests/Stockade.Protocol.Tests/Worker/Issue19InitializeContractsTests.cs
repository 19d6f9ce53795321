using System.Text.Json;
using Stockade.Protocol;
using Stockade.Plugin.Serving;

namespace Stockade.Protocol.Tests.Worker;

/// <summary>Issue 19: the worker's <c>initialize</c> answer carries the plugin's contracts (docs/protocol.md, "Contracts").</summary>
[Trait("Issue", "19")]
public sealed class Issue19InitializeContractsTests
{
    [Fact]
    public void WriteInitializeResult_WithContracts_WritesNameToVersion()
    {
        var result = new InitializeResult(["forecast"], [], ProtocolMethods.SdkVersion)
        {
            Contracts = new Dictionary<string, int> { ["eco.weather"] = 2, ["eco.clock"] = 0 },
        };

        var json = WorkerMessages.WriteInitializeResult(result);

        var contracts = json.GetProperty("contracts");
        contracts.GetProperty("eco.weather").GetInt32().ShouldBe(2);
        contracts.GetProperty("eco.clock").GetInt32().ShouldBe(0);
        json.GetProperty("sdkVersion").GetString().ShouldBe(ProtocolMethods.SdkVersion);
    }

    [Fact]
    public void WriteInitializeResult_NoContracts_OmitsTheMember()
    {
        var none = WorkerMessages.WriteInitializeResult(new InitializeResult(["greet"], [], ProtocolMethods.SdkVersion));
        var empty = WorkerMessages.WriteInitializeResult(new InitializeResult(["greet"], [], ProtocolMethods.SdkVersion) { Contracts = new Dictionary<string, int>() });

        none.TryGetProperty("contracts", out _).ShouldBeFalse();
        empty.TryGetProperty("contracts", out _).ShouldBeFalse();
    }

    [Fact]
    public void InitializeResult_TheSerializerNeverReadsContracts_TheHostReadsThemByHand()
    {
        // A plugin's malformed list must not fail the whole answer in the serializer (the host drops bad entries itself).
        var read = JsonSerializer.Deserialize("""{"methods":[],"hooks":[],"sdkVersion":"1.0","contracts":{"eco.weather":"two"}}""", ProtocolJsonContext.Default.InitializeResult);

        read.ShouldNotBeNull().Contracts.ShouldBeNull();
    }
}
