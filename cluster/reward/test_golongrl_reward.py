"""Tests for golongrl_reward.py, on its own with python3 (no verl, no GoLongRL).

GoLongRL's verl is replaced by a stand-in package written to a temporary directory and put first on
sys.path: `verl.utils.reward_score.default_compute_score` records its arguments and returns a known
value; `long_bench_pro.TASK_METRIC_CONFIG` holds two sub-tasks. Run: python3 cluster/reward/test_golongrl_reward.py
"""
import importlib
import json
import os
import sys
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))

STUB_INIT = textwrap.dedent(
    '''
    CALLS = []
    def default_compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs):
        CALLS.append((data_source, solution_str, ground_truth, extra_info, kwargs))
        if data_source == "dict_source":
            return {"score": 0.25, "acc": 0.5}
        if "</think>" not in solution_str:
            return 0.0
        return 1.0 if solution_str.split("</think>")[-1].strip() == str(ground_truth) else 0.0
    '''
)
STUB_LBP = 'TASK_METRIC_CONFIG = {"T3.2 Single-Hop Fact QA": "Accuracy", "T4.2 Query-Focused Summary": "Summary"}\n'


class GolongrlRewardTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        pkg = os.path.join(cls.tmp.name, "verl", "utils", "reward_score")
        os.makedirs(pkg)
        for d in (os.path.join(cls.tmp.name, "verl"), os.path.join(cls.tmp.name, "verl", "utils")):
            open(os.path.join(d, "__init__.py"), "w").close()
        with open(os.path.join(pkg, "__init__.py"), "w") as f:
            f.write(STUB_INIT)
        with open(os.path.join(pkg, "long_bench_pro.py"), "w") as f:
            f.write(STUB_LBP)
        sys.path.insert(0, cls.tmp.name)
        sys.path.insert(0, HERE)
        for m in [m for m in sys.modules if m == "verl" or m.startswith("verl.")]:
            del sys.modules[m]
        cls.mod = importlib.import_module("golongrl_reward")
        cls.stub = importlib.import_module("verl.utils.reward_score")

    @classmethod
    def tearDownClass(cls):
        sys.path.remove(cls.tmp.name)
        sys.path.remove(HERE)
        cls.tmp.cleanup()

    def test_scalar_score_with_ids(self):
        out = self.mod.compute_score("EM", "<think>x</think> pi 24", "pi 24", {"uid": "p-7", "reward_mode": "EM"})
        self.assertEqual(out, {"score": 1.0, "uid": "p-7", "reward_mode": "EM", "capability": "precise_retrieval"})
        # GoLongRL's scorer got exactly what verl passed
        self.assertEqual(self.stub.CALLS[-1][:4], ("EM", "<think>x</think> pi 24", "pi 24", {"uid": "p-7", "reward_mode": "EM"}))

    def test_score_is_goLongRLs_own(self):
        out = self.mod.compute_score("EM", "no think block", "pi 24", {"uid": 3})
        self.assertEqual(out["score"], 0.0)
        self.assertEqual(out["uid"], "3")

    def test_longbench_pro_subtask_maps_to_capability(self):
        out = self.mod.compute_score("longbench_pro", "<think></think>a", "b", {"index": 12, "reward_mode": "T4.2 Query-Focused Summary"})
        self.assertEqual((out["uid"], out["reward_mode"], out["capability"]), ("12", "T4.2 Query-Focused Summary", "summarization"))
        out = self.mod.compute_score("longbench_pro", "<think></think>a", "b", {"index": 1, "reward_mode": "T99 unknown"})
        self.assertEqual(out["capability"], "unknown")

    def test_other_data_sources(self):
        cases = {"selection": "comprehension", "multitableqa_pretraining": "structured_extraction",
                 "math_longcot_math_verify": "numerical_reasoning", "retrieval_calculate": "numerical_reasoning",
                 "something_else": "unknown"}
        for ds, cap in cases.items():
            out = self.mod.compute_score(ds, "<think></think>1", "1", {"uid": "u"})
            self.assertEqual(out["capability"], cap, ds)
            self.assertEqual(out["reward_mode"], ds)  # no extra_info.reward_mode → the data_source

    def test_dict_result_passes_through(self):
        out = self.mod.compute_score("dict_source", "<think></think>", "", {"uid": "d"}, extra_kw=1)
        self.assertEqual(out["score"], 0.25)
        self.assertEqual(out["acc"], 0.5)
        self.assertEqual(self.stub.CALLS[-1][4], {"extra_kw": 1})

    def test_uid_fallback_is_a_stable_hash(self):
        a = self.mod.compute_score("EM", "<think></think>x", {"golden_label": "x"}, {"question": "q1"})
        b = self.mod.compute_score("EM", "<think></think>y", {"golden_label": "x"}, {"question": "q1"})
        c = self.mod.compute_score("EM", "<think></think>x", {"golden_label": "x"}, {"question": "q2"})
        self.assertEqual(a["uid"], b["uid"])
        self.assertNotEqual(a["uid"], c["uid"])
        self.assertTrue(a["uid"].startswith("h"))
        d = self.mod.compute_score("EM", "<think></think>x", "x", None)
        self.assertTrue(d["uid"].startswith("h"))

    def test_result_is_json_serialisable_like_a_dump_row(self):
        out = self.mod.compute_score("EM", "<think></think>x", "x", {"uid": "u", "reward_mode": "EM"})
        self.assertEqual(json.loads(json.dumps(out)), out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
