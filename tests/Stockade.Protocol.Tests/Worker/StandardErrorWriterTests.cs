using System.Text;
using Stockade.Plugin.Serving;

namespace Stockade.Protocol.Tests.Worker;

public sealed class StandardErrorWriterTests
{
    [Fact]
    public void Write_FirstWrite_OpensTheStreamOnceAndWritesUtf8WithoutPreamble()
    {
        var opened = 0;
        var target = new MemoryStream();
        using var writer = new StandardErrorWriter(() =>
        {
            opened++;
            return target;
        });
        opened.ShouldBe(0);

        writer.Write("héllo ");
        writer.WriteLine(42);
        writer.NewLine = "|";
        writer.WriteLine("✓");

        opened.ShouldBe(1);
        Encoding.UTF8.GetString(target.ToArray()).ShouldBe("héllo 42\n✓|");
    }

    [Fact]
    public void Write_ConsoleErrorPointsBackAtTheWriter_DoesNotGoRoundInACircle()
    {
        // A plugin that merges its streams (Console.SetError(Console.Out)) must not make the writer forward to itself.
        var target = new MemoryStream();
        using var writer = new StandardErrorWriter(() => target);
        var original = Console.Error;
        try
        {
            Console.SetError(writer);
            writer.Write("once");
        }
        finally
        {
            Console.SetError(original);
        }

        Encoding.UTF8.GetString(target.ToArray()).ShouldBe("once");
    }
}
