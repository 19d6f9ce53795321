using System.Reflection;
using System.Runtime.CompilerServices;
using Stockade.Hosting.Installation;
using Stockade.Hosting.Store;

namespace Stockade.Hosting.Tests.PublicApi;

/// <summary>
/// Issue 15, a public surface on purpose: the store is plumbing (internal), operators reach it through the audited
/// <see cref="PluginInstaller"/> and <see cref="StoreHead"/>, and no shipped assembly (the CLI included) sees the
/// host's internals, so the CLI is held to the public API by the compiler.
/// </summary>
[Trait("Issue", "15")]
public sealed class Issue15PublicSurfaceTests
{
    private static readonly Assembly Hosting = typeof(PluginHost).Assembly;

    [Theory]
    [InlineData("Stockade.Hosting.Store.StockadeStore")]
    [InlineData("Stockade.Hosting.Store.GrantRecord")]
    [InlineData("Stockade.Hosting.Store.PluginRecord")]
    [InlineData("Stockade.Hosting.Store.KvWriteResult")]
    public void StorePlumbing_IsNotPublic(string typeName)
    {
        var type = Hosting.GetType(typeName).ShouldNotBeNull();
        type.IsPublic.ShouldBeFalse($"{typeName} is plumbing and must stay internal");
    }

    [Fact]
    public void PluginHost_DoesNotExposeTheStore()
    {
        typeof(PluginHost).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .ShouldNotContain(p => p.PropertyType.Namespace == "Stockade.Hosting.Store" && p.PropertyType != typeof(StoreException));
    }

    [Fact]
    public void HostInternals_VisibleOnlyToTestsAndBench()
    {
        var friends = Hosting.GetCustomAttributes<InternalsVisibleToAttribute>().Select(a => a.AssemblyName).ToList();

        friends.ShouldNotBeEmpty();
        // Stockade.Plugin.Testing (issue 17) is the one shipped friend: its in-process mode runs this host's own broker
        // pipeline so that a refusal in a unit test is the real one; it ships in lockstep with this assembly.
        friends.ShouldAllBe(name => name.EndsWith(".Tests", StringComparison.Ordinal) || name.StartsWith("Stockade.Hosting.Tests.", StringComparison.Ordinal) || name == "Stockade.Bench" || name == "Stockade.Plugin.Testing");
        friends.ShouldNotContain("stockade"); // the CLI's assembly name: it uses the public API only
    }
}
