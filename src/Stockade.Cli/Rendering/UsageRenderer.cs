using System.Globalization;
using Spectre.Console;
using Stockade.Cli.Infrastructure;
using Stockade.Hosting.Monitoring;

namespace Stockade.Cli.Rendering;

/// <summary>Prints a worker's resource usage as a small table.</summary>
internal static class UsageRenderer
{
    public static void Write(CliConsole console, string pluginId, ResourceUsage usage)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"usage of {Markup.Escape(pluginId)}");
        table.AddColumn("resource");
        table.AddColumn(new TableColumn("value").RightAligned());
        table.AddRow("CPU", $"{usage.CpuPercent.ToString("0.#", CultureInfo.InvariantCulture)} % (total {usage.CpuTime.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s)");
        table.AddRow("memory (RSS)", Bytes(usage.MemoryBytes));
        table.AddRow("threads", usage.Threads.ToString(CultureInfo.InvariantCulture));
        table.AddRow("open files", usage.OpenFiles.ToString(CultureInfo.InvariantCulture));
        if (usage.DiskBytes is long disk)
        {
            table.AddRow("disk in $PLUGIN_DATA", Bytes(disk));
        }

        console.Output.Write(table);
    }

    public static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{(bytes / (double)(1L << 30)).ToString("0.0", CultureInfo.InvariantCulture)} GiB",
        >= 1L << 20 => $"{(bytes / (double)(1L << 20)).ToString("0.0", CultureInfo.InvariantCulture)} MiB",
        >= 1L << 10 => $"{(bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture)} KiB",
        _ => $"{bytes} B",
    };
}
