"Attribution methods and their evaluation on the shipped Shapes World classifiers: quantus's Focus as an oracle for GridPG, DiFull's guarantee, bad input, CUDA."
import numpy as np
import pytest
import torch

from interpkit.core import BadInputError
from interpkit.attribution import attribute
from interpkit.attribution_eval import attribution_table, disconnect, energy_pointing, gridpg_scores, grid_cells
from interpkit.shapes_attribution import SHAPES_STAGES, grid_inputs, shapes_grids, shipped_classifiers
from interpkit.shapes_classifiers import classifier_input


@pytest.fixture(scope='module')
def models():
    return shipped_classifiers('cpu')


@pytest.fixture(scope='module')
def grids(models):
    return shapes_grids(models, 12, seed=7)


def _targets(grids):
    return grids.labels.gather(1, grids.cells[:, None])[:, 0]


@pytest.mark.parametrize('method', ['gradient', 'input_x_gradient', 'gradcam'])
def test_gridpg_equals_quantus_focus(models, grids, method):
    "GridPG of real maps on real 2 x 2 mosaics is quantus's Focus with the target quadrant as the only target-class one."
    quantus = pytest.importorskip('quantus')
    m = models['standard']
    x = classifier_input(m, grids.pixels)
    y = _targets(grids)
    maps = attribute(m, x, y, method, 'blocks.2' if method == 'gradcam' else 'input')
    ours = gridpg_scores(maps, 2, grids.cells).numpy()
    quadrants = np.eye(4, dtype=int)[grids.cells.numpy()]       # (top_left, top_right, bottom_left, bottom_right)
    focus = quantus.Focus(disable_warnings=True, display_progressbar=False, normalise=False, abs=False)
    theirs = np.asarray(focus(model=m, x_batch=x.numpy(), y_batch=y.numpy(), a_batch=maps[:, None].numpy(),
                              custom_batch=list(map(tuple, quadrants)), channel_first=True, device='cpu'))
    assert ours.min() < 0.99 and ours.max() > 0.01               # real scores, not a degenerate case
    np.testing.assert_allclose(ours, theirs, atol=1e-6)


@pytest.mark.parametrize('method', ['gradient', 'input_x_gradient', 'integrated_gradients', 'guided_backprop'])
def test_difull_backprop_methods_localise_exactly(models, grids, method):
    "In DiFull no cell can influence another's head: backprop methods at the input put nothing outside the cell."
    for name, m in models.items():
        d = disconnect(m, 2, SHAPES_STAGES)
        x = classifier_input(m, grids.pixels)
        maps = attribute(d, x, grids.cells * 8 + _targets(grids), method, n_steps=8) if method == 'integrated_gradients' else \
            attribute(d, x, grids.cells * 8 + _targets(grids), method)
        outside = ~grid_cells(2, (128, 128), grids.cells)
        assert maps[outside].abs().max() == 0, (name, method)
        np.testing.assert_allclose(gridpg_scores(maps, 2, grids.cells).numpy(), 1.0, atol=1e-6)


def test_difull_cams_fall_short_and_why(models, grids):
    """DiFull at the final layer: LayerCAM (gradient x activation, per location) is zero outside the cell at the layer's
    resolution and spills over only through the bilinear upsampling; GradCAM weighs every location's activations with
    channel weights averaged over the map, so other cells' activations get weight too."""
    import pytorch_grad_cam as gc
    from interpkit.attribution import LayerSplit, _cam_map, _Suffix
    m = models['bcosified']
    d = disconnect(m, 2, SHAPES_STAGES)
    x, t = classifier_input(m, grids.pixels), grids.cells * 8 + _targets(grids)
    s = LayerSplit(d, 'model.blocks.2')
    fwd, a = _Suffix(s, x), s.activation(x)
    inside = grid_cells(2, a.shape[-2:], grids.cells)
    layercam = _cam_map(gc.LayerCAM, fwd, fwd.probe, a, t)                  # 8 x 8 per grid
    gradcam = _cam_map(gc.GradCAM, fwd, fwd.probe, a, t)
    assert layercam[~inside].abs().max() == 0 and gradcam[~inside].abs().max() > 0
    up = attribute(d, x, t, 'layercam', 'model.blocks.2')                   # upsampled to 128 x 128
    score = gridpg_scores(up, 2, grids.cells)
    assert (score < 1 - 1e-4).any() and score.min() > 0.8                   # the border pixels' share only


def test_table_bad_input(models, grids):
    sets = {'gridpg': {'standard': models['standard']}}
    x = grid_inputs({'standard': models['standard']}, grids.pixels)
    bad = grids.labels.clone(); bad[1, 2] = bad[1, 0]
    with pytest.raises(BadInputError, match=r'grids \[1\] repeat a class'):
        attribution_table(sets, x, bad, grids.cells, 2, ['gradient'], progress=False)
    with pytest.raises(BadInputError, match="no layer 'layer3'; its layers are input, stem, stem.0"):
        attribute(models['standard'], x['standard'][:2], 0, 'gradient', 'layer3')
    with pytest.raises(BadInputError, match=r'target 8 is out of range: the model has 8 outputs'):
        attribute(models['standard'], x['standard'][:2], 8)
    with pytest.raises(BadInputError, match=r'maps are \(2, 128, 128\) but the regions \(2, 64, 64\)'):
        energy_pointing(torch.zeros(2, 128, 128), torch.zeros(2, 64, 64, dtype=torch.bool))
    with pytest.raises(BadInputError, match='would repeat a class'):
        shapes_grids(models, 2, n=3)


def test_misclassified_cells_are_excluded_and_counted(models, grids):
    "A target whose cell the model gets wrong in the grid is left out of the scores and counted."
    m = models['standard']
    wrong = grids.labels.clone()
    wrong[:3] = torch.roll(wrong[:3], 1, dims=1)                 # three grids whose labels no longer match their cells
    tab = attribution_table({'gridpg': {'standard': m}}, grid_inputs({'standard': m}, grids.pixels), wrong, grids.cells, 2,
                            ['gradient'], progress=False)
    assert tab.excluded['gridpg.standard'] >= 3 and tab.rows[0]['n'] == 12 - tab.excluded['gridpg.standard']


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA GPU')
def test_attributions_on_cuda_equal_cpu(models, grids):
    for name in ('standard', 'bcos'):
        m = models[name]
        x, y = classifier_input(m, grids.pixels[:4]), _targets(grids)[:4]
        mc = shipped_classifiers('cuda')[name]
        for method, layer in (('gradient', 'input'), ('gradcam', 'blocks.2'), ('rise', 'blocks.1'), ('occlusion', 'input')):
            cpu = attribute(m, x, y, method, layer)
            gpu = attribute(mc, x.cuda(), y, method, layer)
            assert gpu.device.type == 'cuda'
            torch.testing.assert_close(gpu.cpu(), cpu, atol=1e-4 * float(cpu.abs().max()), rtol=1e-3)
