// Gradient-boosted regression trees (squared loss, shrinkage, shallow complete trees): small, exact, deterministic.
//
// Why trees beside ridge: the code-size labels are piecewise — forcing a callee the JIT already inlined changes
// nothing (Δ = 0 exactly), forcing one the JIT cannot inline (EH, virtual) changes nothing either, and blocking an
// inlined callee removes about its body. A linear model spreads such a rule over every row; a depth-2/3 tree
// expresses "if inlined then 0 else ∝ size" directly. No ML library is obtainable, so this is written out: exact
// splits on presorted columns, no sampling (no randomness at all), so a fit is a function of its data.
namespace InlineAdvisor.Model;

/// <summary>One complete binary tree of depth D in heap order: internal node k has children 2k+1, 2k+2; a node
/// that did not split has Feature −1 and sends everything left. Leaves are the last 2^D slots, already shrunk.</summary>
public sealed record Tree(int[] Feature, double[] Threshold, double[] Leaf)
{
    public double Predict(IReadOnlyList<double> x)
    {
        int k = 0;
        while (k < Feature.Length) k = Feature[k] < 0 || x[Feature[k]] <= Threshold[k] ? 2 * k + 1 : 2 * k + 2;
        return Leaf[k - Feature.Length];
    }
}

/// <summary>A boosted ensemble: prediction = Base + Σ of the first Rounds trees.</summary>
public sealed record TreeEnsemble(int Depth, double Shrinkage, int MinLeaf, double Base, IReadOnlyList<Tree> Trees)
{
    public double Predict(IReadOnlyList<double> x, int rounds = int.MaxValue)
    {
        double y = Base;
        for (int i = 0; i < Math.Min(rounds, Trees.Count); i++) y += Trees[i].Predict(x);
        return y;
    }
}

public static class Boosting
{
    public const double Shrinkage = 0.1;
    public const int MinLeaf = 4;
    /// <summary>Depths and round counts tried by inner cross-validation (rounds are prefixes of one fit, so they cost nothing extra).</summary>
    public static readonly int[] Depths = [2, 3];
    public static readonly int[] Rounds = [50, 100, 200];

    public static TreeEnsemble Fit(IReadOnlyList<double[]> x, IReadOnlyList<double> y, int depth, int rounds)
    {
        int n = x.Count, p = n == 0 ? 0 : x[0].Length;
        double base0 = n == 0 ? 0 : y.Average();
        var trees = new List<Tree>(rounds);
        if (n < 2 * MinLeaf) return new TreeEnsemble(depth, Shrinkage, MinLeaf, base0, trees);
        // Each column's row order, once: every split search walks these instead of sorting.
        var order = new int[p][];
        for (int j = 0; j < p; j++)
        {
            order[j] = Enumerable.Range(0, n).ToArray();
            int jj = j;
            Array.Sort(order[j], (a, b) => x[a][jj] != x[b][jj] ? x[a][jj].CompareTo(x[b][jj]) : a.CompareTo(b));
        }
        var pred = Enumerable.Repeat(base0, n).ToArray();
        var residual = new double[n];
        var node = new int[n];
        int internalNodes = (1 << depth) - 1;
        for (int r = 0; r < rounds; r++)
        {
            for (int i = 0; i < n; i++) (residual[i], node[i]) = (y[i] - pred[i], 0);
            var feature = Enumerable.Repeat(-1, internalNodes).ToArray();
            var threshold = new double[internalNodes];
            for (int level = 0, first = 0; level < depth; first += 1 << level, level++)
            {
                int width = 1 << level;
                var sum = new double[width];
                var count = new int[width];
                for (int i = 0; i < n; i++) { sum[node[i] - first] += residual[i]; count[node[i] - first]++; }
                var bestGain = new double[width];
                Array.Fill(bestGain, 1e-12);
                for (int j = 0; j < p; j++)
                {
                    // One pass over column j serves every node of this level: running left sums per node.
                    var leftSum = new double[width];
                    var leftCount = new int[width];
                    var last = new double[width];
                    var col = order[j];
                    for (int k = 0; k < n; k++)
                    {
                        int i = col[k], v = node[i] - first;
                        // Before adding row i: the node's rows so far (all below x_i) against the rest, if the value changes here.
                        int nl = leftCount[v], nr = count[v] - nl;
                        if (nl >= MinLeaf && nr >= MinLeaf && x[i][j] != last[v])
                        {
                            double sl = leftSum[v], sr = sum[v] - sl;
                            double gain = sl * sl / nl + sr * sr / nr - sum[v] * sum[v] / count[v];
                            if (gain > bestGain[v])
                                (bestGain[v], feature[first + v], threshold[first + v]) = (gain, j, (last[v] + x[i][j]) / 2);
                        }
                        leftSum[v] += residual[i];
                        leftCount[v]++;
                        last[v] = x[i][j];
                    }
                }
                for (int i = 0; i < n; i++)
                {
                    int k = node[i];
                    node[i] = feature[k] < 0 || x[i][feature[k]] <= threshold[k] ? 2 * k + 1 : 2 * k + 2;
                }
            }
            var leafSum = new double[1 << depth];
            var leafCount = new int[1 << depth];
            for (int i = 0; i < n; i++) { leafSum[node[i] - internalNodes] += residual[i]; leafCount[node[i] - internalNodes]++; }
            var leaf = new double[1 << depth];
            for (int l = 0; l < leaf.Length; l++) leaf[l] = leafCount[l] == 0 ? 0 : Shrinkage * leafSum[l] / leafCount[l];
            var tree = new Tree(feature, threshold, leaf);
            trees.Add(tree);
            for (int i = 0; i < n; i++) pred[i] += leaf[node[i] - internalNodes];
        }
        return new TreeEnsemble(depth, Shrinkage, MinLeaf, base0, trees);
    }
}
