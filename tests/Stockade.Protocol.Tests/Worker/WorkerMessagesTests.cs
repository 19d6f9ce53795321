using System.Text.Json;
using Stockade.Plugin.Serving;

namespace Stockade.Protocol.Tests;

// The worker reads and writes its own messages by hand (start-up); these tests hold it to the protocol records' JSON shape.
public sealed class WorkerMessagesTests
{
    [Fact]
    public void ReadInitialize_WhatTheHostSends_SameAsTheSerializer()
    {
        var sent = new InitializeParams("samples.hello", "sandboxed", "/p", "/d", "/t", Parse("""{"a":[1,2]}"""), ["file:read=/p/**", "net:connect=x:443"]);
        var json = JsonSerializer.SerializeToElement(sent, ProtocolJsonContext.Default.InitializeParams);

        var read = WorkerMessages.ReadInitialize(json);

        read.PluginId.ShouldBe("samples.hello");
        read.Level.ShouldBe("sandboxed");
        read.PluginDir.ShouldBe("/p");
        read.DataDir.ShouldBe("/d");
        read.TempDir.ShouldBe("/t");
        read.Config.ShouldNotBeNull();
        read.Config.Value.GetRawText().ShouldBe("""{"a":[1,2]}""");
        read.GrantedPermissions.ShouldBe(["file:read=/p/**", "net:connect=x:443"]);
    }

    [Fact]
    public void ReadInitialize_NoConfigUnknownMember_ConfigNullMemberIgnored()
    {
        var read = WorkerMessages.ReadInitialize(Parse(
            """{"pluginId":"a","level":"strict","pluginDir":"/p","dataDir":"/d","tempDir":"/t","config":null,"later":1}"""));

        read.Config.ShouldBeNull();
        read.GrantedPermissions.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("""{"level":"strict","pluginDir":"/p","dataDir":"/d","tempDir":"/t"}""", "'pluginId' is required")]
    [InlineData("""{"pluginId":"a","level":3,"pluginDir":"/p","dataDir":"/d","tempDir":"/t"}""", "'level' must be a string")]
    [InlineData("""{"pluginId":"a","level":"strict","pluginDir":"/p","dataDir":"/d","tempDir":"/t","grantedPermissions":["x",1]}""", "'grantedPermissions' must be an array of strings")]
    [InlineData("""{"pluginId":"a","level":"strict","pluginDir":"/p","dataDir":"/d","tempDir":"/t","grantedPermissions":"x"}""", "'grantedPermissions' must be an array of strings")]
    [InlineData("""[1]""", "params must be a InitializeParams object")]
    public void ReadInitialize_MissingOrMistypedMember_InvalidParams(string json, string expected)
    {
        var error = Should.Throw<RpcException>(() => WorkerMessages.ReadInitialize(Parse(json)));

        error.Code.ShouldBe(RpcErrorCode.InvalidParams);
        error.Message.ShouldContain(expected);
    }

    [Fact]
    public void ReadInitialize_NoParams_InvalidParams()
    {
        Should.Throw<RpcException>(() => WorkerMessages.ReadInitialize(null)).Code.ShouldBe(RpcErrorCode.InvalidParams);
    }

    [Fact]
    public void ReadInvoke_WhatTheHostSends_SameAsTheSerializer()
    {
        var json = JsonSerializer.SerializeToElement(new InvokeParams("greet", Parse("""{"name":"Ada"}""")), ProtocolJsonContext.Default.InvokeParams);

        var read = WorkerMessages.ReadInvoke(json);

        read.Method.ShouldBe("greet");
        read.Input!.Value.GetRawText().ShouldBe("""{"name":"Ada"}""");
    }

    [Fact]
    public void ReadInvoke_InputNullOrMissing_InputNull()
    {
        WorkerMessages.ReadInvoke(Parse("""{"method":"m","input":null}""")).Input.ShouldBeNull();
        WorkerMessages.ReadInvoke(Parse("""{"method":"m"}""")).Input.ShouldBeNull();
    }

    [Fact]
    public void ReadInvoke_NoMethod_InvalidParams()
    {
        Should.Throw<RpcException>(() => WorkerMessages.ReadInvoke(Parse("""{"input":1}"""))).Code.ShouldBe(RpcErrorCode.InvalidParams);
    }

    [Fact]
    public void ReadHook_WhatTheHostSends_SameAsTheSerializer()
    {
        var json = JsonSerializer.SerializeToElement(new HookParams("saved", Parse("[1]")), ProtocolJsonContext.Default.HookParams);

        var read = WorkerMessages.ReadHook(json);

        read.Name.ShouldBe("saved");
        read.Payload!.Value.GetRawText().ShouldBe("[1]");
        Should.Throw<RpcException>(() => WorkerMessages.ReadHook(Parse("""{"name":true}"""))).Code.ShouldBe(RpcErrorCode.InvalidParams);
    }

    [Theory]
    [InlineData("info", "hello plugin ready, data in /tmp/d")]
    [InlineData("warning", "quote \" backslash \\ newline \n tab \t <tag> & é 😀 \u0001")]
    [InlineData("debug", "")]
    public void WriteLog_AnyText_ReadsBackAsTheSameLogParams(string level, string message)
    {
        var written = WorkerMessages.WriteLog(level, message);

        var read = written.Deserialize(ProtocolJsonContext.Default.LogParams);
        read.ShouldBe(new LogParams(level, message));
        written.GetRawText().ShouldStartWith("""{"level":""");
    }

    [Fact]
    public void WriteInitializeResult_AnyResult_SameJsonAsTheSerializer()
    {
        var result = new InitializeResult(["greet", "echo \"quoted\""], [], ProtocolMethods.SdkVersion);

        var written = WorkerMessages.WriteInitializeResult(result);

        written.GetRawText().ShouldBe(JsonSerializer.SerializeToElement(result, ProtocolJsonContext.Default.InitializeResult).GetRawText());
        written.Deserialize(ProtocolJsonContext.Default.InitializeResult)!.Methods.ShouldBe(result.Methods);
    }

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement.Clone();
}
