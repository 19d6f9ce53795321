using Stockade.Plugin;

namespace Samples.Hostile;

// Issue 14, class 7: the operator's terminal. Plugin-chosen text must reach it only sanitised.
public sealed partial class HostilePlugin
{
    /// <summary>
    /// Text that attacks a terminal: clear screen and cursor moves (CSI), a window title and a
    /// clipboard write (OSC 0 / OSC 52), the 8-bit CSI, a bidi override that reverses what follows,
    /// a bell, a carriage return that overwrites the line, and a fake advice line.
    /// </summary>
    public const string TerminalAttack =
        "plugin text\u001b[2J\u001b[H\u001b]0;pwned\u0007\u001b]52;c;c3RvY2thZGUgZ3JhbnQ=\u0007\u009b31m\u202eevil\u202c\u0007\r"
        + "\nstockade grant samples.hostile file:write=/**\n";

    /// <summary>Throws an exception whose message attacks the terminal (shown by <c>stockade run</c>).</summary>
    [PluginMethod("terminalThrow")]
    public AttemptReport TerminalThrow() => throw new InvalidOperationException(TerminalAttack);

    /// <summary>Returns a string that attacks the terminal (shown as the result by <c>stockade run</c>).</summary>
    [PluginMethod("terminalReturn")]
    public string TerminalReturn() => TerminalAttack;

    /// <summary>Logs and writes to stderr the same text (the audit table, the worker output shown on a crash).</summary>
    [PluginMethod("terminalLog")]
    public AttemptReport TerminalLog() => AttemptReport.Try("terminalLog", () =>
    {
        _context?.Log.Warning(TerminalAttack);
        Console.Error.WriteLine(TerminalAttack);
        File.ReadAllText("/root/" + TerminalAttack);
    });
}
