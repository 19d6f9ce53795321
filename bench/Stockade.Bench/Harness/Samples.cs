using System.Diagnostics;

namespace Stockade.Bench.Harness;

/// <summary>Durations of many iterations of one measure, in microseconds, with their percentiles.</summary>
internal sealed class Samples
{
    private readonly List<double> _micros = [];

    public int Count => _micros.Count;

    public double Median => Percentile(0.50);

    public double P99 => Percentile(0.99);

    public void Add(double micros) => _micros.Add(micros);

    public void AddTicks(long stopwatchTicks) => _micros.Add(stopwatchTicks * 1_000_000.0 / Stopwatch.Frequency);

    public double Percentile(double q)
    {
        if (_micros.Count == 0)
        {
            return double.NaN;
        }

        var sorted = _micros.Order().ToArray();
        var index = (int)Math.Ceiling(q * sorted.Length) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Length - 1)];
    }

    /// <summary>Times <paramref name="batch"/> calls of <paramref name="action"/> per sample and records the mean per call.</summary>
    public static Samples OfBatches(int warmupBatches, int batches, int batch, Action action)
    {
        for (var w = 0; w < warmupBatches * batch; w++)
        {
            action();
        }

        var samples = new Samples();
        for (var b = 0; b < batches; b++)
        {
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < batch; i++)
            {
                action();
            }

            samples.AddTicks((Stopwatch.GetTimestamp() - start) / batch);
            if (b % 16 == 15)
            {
                Thread.Yield();
            }
        }

        return samples;
    }
}
