using Stockade.Plugin;

namespace Samples.Notes;

/// <summary>Reads notes with plain System.IO: the kernel (Landlock) decides whether it may.</summary>
public sealed class NotesPlugin : IPlugin
{
    private string _notes = "";

    public ValueTask InitializeAsync(IPluginContext context, CancellationToken cancellationToken)
    {
        // $CONFIG is the host's config folder; the plugin is granted only its notes/ sub-folder.
        _notes = Path.Combine(Path.GetDirectoryName(context.DataDirectory.TrimEnd('/'))!, "..", "config", "notes");
        return ValueTask.CompletedTask;
    }

    [PluginMethod("read")]
    public NoteResult Read(NoteInput input)
    {
        var name = Path.GetFileName(input.Name);
        return new NoteResult(name, File.ReadAllText(Path.GetFullPath(Path.Combine(_notes, name))));
    }
}

public sealed record NoteInput(string Name);

public sealed record NoteResult(string Name, string Text);
