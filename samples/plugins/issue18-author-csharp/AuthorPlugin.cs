using System.Text.Json;
using Stockade.Plugin;

namespace Samples.Issue18;

/// <summary>
/// The plugin a first-time author writes: it logs, prints, and calls the host without catching what the host
/// refuses. Every method is what <c>stockade run</c> must make sense of for that author.
/// </summary>
public sealed class AuthorPlugin : IPlugin
{
    private IPluginContext? _context;

    private IPluginContext Context => _context ?? throw new InvalidOperationException("initialize was not called");

    /// <inheritdoc />
    public ValueTask InitializeAsync(IPluginContext context, CancellationToken cancellationToken)
    {
        _context = context;
        return ValueTask.CompletedTask;
    }

    /// <summary>One log line at each level, one console line on stdout and one on stderr; <see cref="TalkInput.Text"/> is appended to each (it may hold control characters).</summary>
    [PluginMethod("talk")]
    public string Talk(TalkInput input)
    {
        Context.Log.Debug("debug line " + input.Text);
        Context.Log.Info("info line " + input.Text);
        Context.Log.Warning("warning line " + input.Text);
        Context.Log.Error("error line " + input.Text);
        Console.WriteLine("console out " + input.Text);
        Console.Error.WriteLine("console err " + input.Text);
        return "talked";
    }

    /// <summary>Reads a configuration key through the broker and lets a refusal escape, uncaught.</summary>
    [PluginMethod("setting")]
    public async Task<JsonElement?> SettingAsync(KeyInput input, CancellationToken cancellationToken) =>
        await Context.Config.GetAsync(input.Key, cancellationToken).ConfigureAwait(false);

    /// <summary>Fetches a URL through the broker (<see cref="IPluginContext.Http"/>) and lets a refusal escape, uncaught.</summary>
    [PluginMethod("fetch")]
    public async Task<string> FetchAsync(UrlInput input, CancellationToken cancellationToken) =>
        await Context.Http.GetStringAsync(new Uri(input.Url), cancellationToken).ConfigureAwait(false);

    /// <summary>Reads a note from <c>$CONFIG/notes/</c> (the home's config folder, beside <c>data/</c>) with plain System.IO; the kernel refuses it unless granted.</summary>
    [PluginMethod("note")]
    public string Note(KeyInput input) =>
        File.ReadAllText(Path.Combine(Path.GetDirectoryName(Context.DataDirectory.TrimEnd('/'))!, "..", "config", "notes", Path.GetFileName(input.Key)));

    /// <summary>Waits <see cref="WaitInput.Ms"/> milliseconds, so a person sees the CLI's progress.</summary>
    [PluginMethod("wait")]
    public async Task<int> WaitAsync(WaitInput input, CancellationToken cancellationToken)
    {
        await Task.Delay(input.Ms, cancellationToken).ConfigureAwait(false);
        return input.Ms;
    }
}

/// <summary>Input of <c>talk</c>.</summary>
public sealed record TalkInput(string? Text);

/// <summary>Input naming a key or a file.</summary>
public sealed record KeyInput(string Key);

/// <summary>Input of <c>fetch</c>.</summary>
public sealed record UrlInput(string Url);

/// <summary>Input of <c>wait</c>.</summary>
public sealed record WaitInput(int Ms);
