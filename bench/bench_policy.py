"""Benchmark of chainatlas.analytics.policy: tagging 10,000 synthetic policies, against a naive baseline.

Run by hand: ``.venv/bin/python bench/bench_policy.py [--quick] [--runs 3] [--policies 10000] [--seed 0]``. Not a
test; prints a table and writes ``bench/results/bench_policy.json`` (git-ignored) in the suite's shape
(``_common.write_result``: one row per measurement, the figures below as extra keys). Goal: tagging 10k policies
<= 30 s (issue 16). ``--quick`` is the goal's size too (10,000 policies, 3 runs: about 45 s on 2 shared cores,
the tagger being fast enough that a smaller run would say nothing about the goal); only the ``quick`` flag of the
result differs.

The policies (synthetic, seeded): 15 % about no chain, the rest about 1–3 targets (a segment, or a chain as a
whole) drawn from the shipped taxonomy. A title names the first target through one of its terms
("{城市}关于支持{term}发展的若干措施"); the text has 12–30 sentences, most of them filler drawn from 40 generic
policy sentences (目标, 保障, 组织实施 ...), 2–5 per target that use its terms in templates ("支持企业开展{term}
关键技术攻关"), and 0–3 sentences of competing measures (补贴, 用地, 人才 ...). About 900 characters each, like
a policy abstract or a short notice.

What is measured (medians of ``--runs`` runs; the machine may be shared: load average printed)
1. Building the default tagger (taxonomy, aliases, rjieba dictionary, bm25s index): once per process.
2. ``tag_policies`` on all policies (keyword trie + evidence + similarity + measures).
   2b. Its term scan alone (the trie regex over normalised titles and texts: the step that replaces the
   baseline's counting; no scores, similarity, evidence or measures).
3. Naive baseline, same run: ``str.count`` of every dictionary term (lower-cased) in every title and text, the
   same keyword score (no longest-match rule, no similarity, no evidence sentences), the same threshold 0.5.
Both are compared with the planted labels (precision / recall of the targets each policy was built from: a
check that the tagger finds what was put in (a chain planted with one of its segments is not expected: a chain
is tagged as a whole only when no segment is), not a measure of quality on real policies — the labelled sample
in tests/fixtures is that) and with each other (share of policies with the same label set).
Peak memory is the process's maximum resident set size (``ru_maxrss``, ``_common.peak_rss_mb``), read after each
step (the machine facts of ``_common.machine()``, whose bandwidth probe allocates 1 GiB, are taken by
``write_result`` after the measurements).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from _common import peak_rss_mb, row, write_result

from chainatlas.analytics import policy as P

CITIES = ["上海市", "南京市", "苏州市", "无锡市", "常州市", "杭州市", "宁波市", "嘉兴市", "合肥市", "芜湖市"]
ADCODES = ["310000", "320100", "320500", "320200", "320400", "330100", "330200", "330400", "340100", "340200"]
FILLER = [
    "为深入贯彻落实党中央、国务院决策部署，推动经济高质量发展，结合本市实际，制定本措施",
    "坚持市场主导、政府引导，坚持创新驱动、开放合作",
    "到2025年，产业规模和创新能力显著提升，形成一批具有国际竞争力的企业",
    "各区人民政府、各有关部门要高度重视，加强组织领导，明确责任分工",
    "建立健全工作推进机制，定期研究解决重大问题",
    "加强统计监测和评估，及时总结推广经验做法",
    "优化营商环境，深化放管服改革，提高政务服务效率",
    "强化知识产权保护，完善知识产权运营服务体系",
    "支持企业加大研发投入，建设高水平研发机构",
    "推动产学研用协同，促进科技成果转移转化",
    "加强区域合作，积极融入长三角一体化发展",
    "鼓励企业参与国际标准和行业标准制定",
    "完善金融服务，引导银行业金融机构加大信贷支持",
    "发挥行业协会作用，搭建供需对接平台",
    "加强宣传解读，营造良好社会氛围",
    "本措施自印发之日起施行，有效期三年",
    "本措施由市发展改革委负责解释",
    "对符合条件的项目按规定程序申报，经审核后予以兑现",
    "同一项目同时符合本市多项扶持政策的，按照从高不重复原则执行",
    "建立重点项目清单，实行动态管理",
    "推进数字化转型和绿色低碳发展",
    "支持龙头企业牵头组建创新联合体",
    "加强质量品牌建设，提升产品附加值",
    "统筹推进产业布局，避免同质化竞争",
    "完善公共服务体系，降低企业运营成本",
    "健全应急保障机制，确保产业链供应链稳定",
    "支持中小企业专精特新发展",
    "加强安全生产监管，落实企业主体责任",
    "开展年度考核评价，考核结果作为资金安排的重要依据",
    "鼓励社会资本参与，形成多元化投入机制",
    "强化要素保障，提高资源配置效率",
    "加强与高校、科研院所的合作",
    "建设专业化园区，推动产业集聚发展",
    "实施重大项目带动战略，加快项目落地投产",
    "完善人才评价机制，畅通人才流动渠道",
    "加强政策协同，形成工作合力",
    "深化国际交流合作，拓展海外市场",
    "推动检验检测认证服务发展",
    "健全信用体系，规范市场秩序",
    "加强监督检查，确保资金使用安全高效",
]
TEMPLATES = [
    "支持企业开展{}关键技术攻关",
    "加快{}项目建设，形成规模化产能",
    "培育一批{}领域的骨干企业",
    "建设{}公共服务平台，提升服务能力",
    "推动{}产品示范应用和迭代升级",
    "引导{}企业向园区集聚",
]
MEASURES = [
    "对新落户企业给予一次性奖励",
    "按设备投资额的20%给予补贴",
    "优先保障项目用地和能耗指标",
    "对引进的高层次人才给予安家补贴",
    "按规定落实税收优惠政策",
    "发挥产业引导基金作用，开展股权投资",
]


def synth(n: int, seed: int, dictionary: P.KeywordDictionary) -> tuple[pd.DataFrame, list[frozenset[str]]]:
    """``n`` policies and the labels planted in them (see the module docstring)."""
    rng = np.random.default_rng(seed)
    terms = dictionary.terms
    targets = dictionary.targets["label"].tolist()
    by_target: dict[str, list[str]] = {}
    for w, c, s in zip(terms["written"], terms["chain"], terms["segment"], strict=True):
        by_target.setdefault(c if s == "*" else f"{c}:{s}", []).append(w)
    rows, planted = [], []
    for i in range(n):
        k = 0 if rng.random() < 0.15 else int(rng.integers(1, 4))
        chosen = [targets[j] for j in rng.choice(len(targets), size=k, replace=False)] if k else []
        city = int(rng.integers(len(CITIES)))
        sentences = [FILLER[j] for j in rng.choice(len(FILLER), size=int(rng.integers(20, 40)))]
        for t in chosen:
            for _ in range(int(rng.integers(2, 6))):
                term = by_target[t][int(rng.integers(len(by_target[t])))]
                sentences.append(TEMPLATES[int(rng.integers(len(TEMPLATES)))].format(term))
        sentences += [MEASURES[j] for j in rng.choice(len(MEASURES), size=int(rng.integers(0, 4)))]
        rng.shuffle(sentences)
        if chosen:
            t0 = by_target[chosen[0]][int(rng.integers(len(by_target[chosen[0]])))]
            title = f"{CITIES[city]}关于支持{t0}发展的若干措施"
        else:
            title = f"{CITIES[city]}关于进一步优化营商环境的若干措施"
        rows.append((f"S{i:06d}", title, ADCODES[city], f"{2019 + i % 6}-06-30", "。".join(sentences) + "。"))
        # a chain is tagged as a whole only when none of its segments is: drop it when a segment is planted too
        seg_chains = {t.split(":")[0] for t in chosen if ":" in t}
        planted.append(frozenset(t for t in chosen if ":" in t or t not in seg_chains))
    return pd.DataFrame(rows, columns=["policy_id", "title", "adcode", "date", "text"]), planted


def naive_tag(
    policies: pd.DataFrame, dictionary: P.KeywordDictionary, threshold: float = 0.5
) -> list[set[str]]:
    """Label sets by ``str.count`` of every term in every title and text, the same keyword score as ours."""
    terms = dictionary.terms
    n_t = terms.groupby("term")["term"].transform("size").to_numpy()
    labels = [c if s == "*" else f"{c}:{s}" for c, s in zip(terms["chain"], terms["segment"], strict=True)]
    entries = list(zip(terms["term"], labels, n_t, strict=True))
    out = []
    for title, text in zip(policies["title"], policies["text"], strict=True):
        lt, lx = P._norm(title), P._norm(text)
        E: dict[str, float] = {}
        for term, label, n in entries:
            m = 2 * lt.count(term) + lx.count(term)
            if m:
                E[label] = E.get(label, 0.0) + math.log1p(m) / n
        tagged = {lab for lab, e in E.items() if ":" in lab and -math.expm1(-e) >= threshold}
        for chain in {lab.split(":")[0] for lab in E}:
            if not any(lab.startswith(chain + ":") for lab in tagged):
                e = sum(v for lab, v in E.items() if lab == chain or lab.startswith(chain + ":"))
                if -math.expm1(-e) >= threshold:
                    tagged.add(chain)
        out.append(tagged)
    return out


def timed(fn: Callable[[], object], runs: int) -> tuple[float, list[float], object]:
    times, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), times, result


def prf(pred: list[set[str]], truth: list[frozenset[str]]) -> tuple[float, float]:
    tp = sum(len(p & t) for p, t in zip(pred, truth, strict=True))
    n_p, n_t = sum(map(len, pred)), sum(map(len, truth))
    return (tp / n_p if n_p else 1.0), (tp / n_t if n_t else 1.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--policies", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--quick", action="store_true", help="the suite's quick variant: the goal's 10,000 policies, 3 runs"
    )
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be >= 1")
    n, runs = args.policies, args.runs
    print(f"load average at start: {os.getloadavg()}")

    t = time.perf_counter()
    tagger = P.default_tagger()
    build_s = time.perf_counter() - t
    dictionary = tagger.dictionary
    policies, planted = synth(n, args.seed, dictionary)
    chars = int(policies["text"].str.len().sum() + policies["title"].str.len().sum())
    rss_data = peak_rss_mb()
    print(
        f"{n:,} policies, {chars / n:,.0f} characters each on average; dictionary {len(dictionary.terms)} terms, "
        f"{len(tagger.targets)} targets; tagger built in {build_s:.2f} s"
    )

    ours_s, ours_all, res = timed(lambda: P.tag_policies(policies, tagger), runs)
    assert isinstance(res, P.PolicyTags)
    rss_ours = peak_rss_mb()
    ours_sets = [set() for _ in range(n)]
    pos = {pid: i for i, pid in enumerate(policies["policy_id"])}
    for pid, lab in zip(res.tags["policy_id"], res.tags["label"], strict=True):
        ours_sets[pos[pid]].add(lab)
    regex = tagger._regex
    low = [P._norm(t) for t in policies["title"]] + [P._norm(t) for t in policies["text"]]
    scan_s, scan_all, _ = timed(lambda: [P._scan(regex, x) for x in low], runs)
    naive_s, naive_all, naive = timed(lambda: naive_tag(policies, dictionary), runs)
    assert isinstance(naive, list)
    rss_naive = peak_rss_mb()

    po, ro = prf(ours_sets, planted)
    pn, rn = prf(naive, planted)
    same = sum(a == b for a, b in zip(ours_sets, naive, strict=True)) / n
    rows = [
        {"task": "tag_policies (ours)", "median_s": ours_s, "runs_s": ours_all, "precision": po, "recall": ro},
        {"task": "  its term scan alone", "median_s": scan_s, "runs_s": scan_all, "precision": None,
         "recall": None},
        {"task": "naive str.count baseline", "median_s": naive_s, "runs_s": naive_all, "precision": pn,
         "recall": rn},
    ]  # fmt: skip
    print(f"\n{'task':<28} {'median s':>9} {'per 1k':>8} {'planted P':>11}{'planted R':>11}")
    for r in rows:
        pr = "".join(f"{'-' if v is None else f'{v:.3f}':>11}" for v in (r["precision"], r["recall"]))
        print(f"{r['task']:<28} {r['median_s']:>9.2f} {r['median_s'] / n * 1000:>8.3f}{pr}")
    print(
        f"\nnaive / ours: {naive_s / ours_s:.1f}×, naive / term scan: {naive_s / scan_s:.1f}×; same label set on {same:.1%} of policies; tags {len(res.tags):,}, "
        f"measures {len(res.measures):,}; goal <= 30 s for 10k: {'met' if ours_s <= 30 or n != 10_000 else 'NOT met'}"
    )
    print(
        f"peak memory (max RSS): {rss_data:,.0f} MB after data and tagger, {rss_ours:,.0f} MB after ours, "
        f"{rss_naive:,.0f} MB after naive"
    )
    print(f"load average at end: {os.getloadavg()}")
    goal_s = 30 * n / 10_000  # the goal (10k policies in 30 s) at this run's size
    data = f"{n:,} synthetic policies, {chars / n:,.0f} characters each, {len(dictionary.terms)} terms"
    baseline = "naive str.count of every term in every title and text"
    result_rows = [
        row(
            "build the default tagger (taxonomy, aliases, rjieba, bm25s)",
            "shipped taxonomy",
            [build_s],
            peak_mb=rss_data,
            note="once per process; peak includes the synthetic policies",
        ),
        row(
            f"tag {n:,} policies (tag_policies: keywords, evidence, similarity, measures)",
            data,
            ours_all,
            baseline=baseline,
            naive=naive_all,
            peak_mb=rss_ours,
            goal="≤ 30 s for 10k policies" + ("" if n == 10_000 else f" (≤ {goal_s:.1f} s at {n:,})"),
            met=ours_s <= goal_s,
            note=f"planted labels: precision {po:.3f}, recall {ro:.3f} (naive {pn:.3f}, {rn:.3f}); "
            f"same label set as naive on {same:.1%}",
        ),
        row(
            f"its term scan alone (trie regex over {n:,} titles and texts)",
            data,
            scan_all,
            baseline=baseline,
            naive=naive_all,
        ),
    ]
    # machine facts last (taken by write_result): the memory-bandwidth probe copies 512 MiB arrays, which would
    # set the peak above
    path = write_result(
        "bench_policy",
        result_rows,
        quick=args.quick,
        policies=n,
        runs=runs,
        seed=args.seed,
        chars_per_policy=chars / n,
        tagger_build_s=build_s,
        tasks=rows,  # the table printed above (called "rows" before the suite's shape took that key)
        naive_over_ours=naive_s / ours_s,
        naive_over_scan=naive_s / scan_s,
        same_label_set=same,
        peak_mb={"data": rss_data, "ours": rss_ours, "naive": rss_naive},
    )
    mach = json.loads(path.read_text("utf-8"))["machine"]
    print(
        f"{mach['cpu']}; {mach['usable_cores']} usable cores; {mach['memory_bandwidth_gbs']} GB/s; Python {mach['python']}"
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
