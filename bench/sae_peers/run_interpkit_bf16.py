"""interpkit's TopK SAE with the encoder matmul in bf16 (`TrainConfig(matmul_dtype='bfloat16')`); see run_interpkit.py."""
import os, runpy
from pathlib import Path

os.environ['INTERPKIT_MATMUL'] = 'bfloat16'
runpy.run_path(str(Path(__file__).with_name('run_interpkit.py')), run_name='__main__')
