using Stockade.Hosting;

namespace Stockade.Cli.Infrastructure;

/// <summary>Creates the <see cref="PluginHost"/> a command works with, over the resolved home.</summary>
internal static class HostFactory
{
    public static PluginHost Create(string home, CliConsole console, bool allowDowngrade = false)
    {
        try
        {
            return new PluginHost(new PluginHostOptions { Home = home, AllowDowngrade = allowDowngrade })
            {
                PermissionPrompt = new ConsolePermissionPrompt(console),
            };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Hosting.Store.StoreException)
        {
            throw new CliException(ExitCodes.UsageOrNotFound, $"cannot use the Stockade home {home}: {ex.Message}",
                "choose a writable folder with --home DIR (or STOCKADE_HOME).");
        }
    }
}
