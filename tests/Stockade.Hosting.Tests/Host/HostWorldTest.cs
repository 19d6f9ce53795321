namespace Stockade.Hosting.Tests.Host;

/// <summary>A test class that owns a fresh <see cref="HostWorld"/> and a default <see cref="PluginHost"/> on its home.</summary>
public abstract class HostWorldTest : IAsyncLifetime
{
    protected HostWorld World { get; } = new();

    protected PluginHost Host { get; private set; } = null!;

    public virtual Task InitializeAsync()
    {
        Host = new PluginHost(new PluginHostOptions { Home = World.Home });
        return Task.CompletedTask;
    }

    public virtual async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        World.Dispose();
    }
}
